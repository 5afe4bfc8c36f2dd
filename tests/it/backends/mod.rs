//! The backing services' embedded defaults, on this machine's binaries.

mod embedded_postgres;
