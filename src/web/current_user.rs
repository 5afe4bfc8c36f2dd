//! Who is signed in, as the pages show it.

/// The signed-in user as the layout shows it. The auth middleware puts it in the request's
/// extensions; with no one signed in there is none.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub email: String,
    /// Unconfirmed users see a banner offering a new confirmation link.
    pub confirmed: bool,
    /// Administrators get the admin pages in the navigation.
    pub is_admin: bool,
}
