//! The files module: uploads, downloads and thumbnails; deleting, after asking; what an
//! account may store and how often it may upload; and storage and database failures.

mod consistency;
mod delete;
mod quota;
mod uploads;
