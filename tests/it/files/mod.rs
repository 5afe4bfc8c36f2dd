//! The files module: uploads, downloads and thumbnails; what an account may store and how
//! often it may upload; and storage and database failures.

mod consistency;
mod quota;
mod uploads;
