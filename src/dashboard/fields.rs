//! The DOM ids and the live event the dashboard's markup and handlers share.

pub mod ids {
    /// Everything the page refreshes: the panels, fetched again on each
    /// [`CHANGED`](super::events::CHANGED).
    pub const PANELS: &str = "dashboard-panels";
}

pub mod events {
    /// Sent to administrators' pages every few seconds while one of them has the dashboard
    /// open (`dashboard::live`): the open dashboards fetch their panels again.
    pub const CHANGED: &str = "dashboard-changed";
}
