//! The DOM ids the dashboard's markup and handlers share.

pub mod ids {
    /// Everything the page refreshes: the panels, fetched again every
    /// [`REFRESH_SECS`](super::super::REFRESH_SECS).
    pub const PANELS: &str = "dashboard-panels";
}
