//! The files module: uploads, downloads and thumbnails; and storage and database failures.

mod consistency;
mod uploads;
