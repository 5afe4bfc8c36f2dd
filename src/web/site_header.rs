//! The site header: the brand, the navigation (with the admin pages for administrators),
//! a search box for signed-in users, and the account area: "Account" with the address as a detail, and "Log out"; or "Log in"
//! and "Sign up".
//!
//! It fits a phone: on a narrow screen it wraps onto two lines, and a long address is cut
//! short with an ellipsis (its full text stays in the link's accessible name), so the page
//! never scrolls sideways.

use maud::{Markup, html};

use super::{css::CssFragment, current_user::CurrentUser};

/// The links of the header. The app assembles them from its modules' paths (`lib.rs`), so
/// this part of `web` knows no module.
#[derive(Debug, Clone, Copy)]
pub struct SiteLinks {
    /// The home page, where the brand links to.
    pub home: &'static str,
    /// The main navigation, `(href, label)`: one entry per module.
    pub nav: &'static [(&'static str, &'static str)],
    /// The navigation signed-in users see after `nav`: the modules that need an account.
    pub member_nav: &'static [(&'static str, &'static str)],
    /// The navigation only administrators see.
    pub admin_nav: &'static [(&'static str, &'static str)],
    /// The search page, where the header's search box (for signed-in users) sends `?q=`.
    pub search: &'static str,
    pub account: &'static str,
    pub log_in: &'static str,
    pub sign_up: &'static str,
    /// Where the "Log out" button posts.
    pub log_out: &'static str,
    /// Where the unconfirmed-address banner's button posts.
    pub resend_confirmation: &'static str,
}

/// The header of a page at `current_path`, for `user` (or a visitor).
pub struct SiteHeader<'a> {
    pub links: &'a SiteLinks,
    pub user: Option<&'a CurrentUser>,
    pub current_path: &'a str,
}

impl SiteHeader<'_> {
    fn nav_links(&self) -> impl Iterator<Item = &'static (&'static str, &'static str)> {
        let member = self.user.is_some();
        let admin = self.user.is_some_and(|user| user.is_admin);
        let links = self.links;
        links
            .nav
            .iter()
            .chain(links.member_nav.iter().filter(move |_| member))
            .chain(links.admin_nav.iter().filter(move |_| admin))
    }

    fn current(&self, href: &str) -> Option<&'static str> {
        self.is_current(href).then_some("page")
    }

    /// The header, and the banner asking an unconfirmed user to confirm their address.
    pub fn render(&self) -> Markup {
        let links = self.links;
        html! {
            header.site-header {
                a.brand href=(links.home) { (crate::APP_NAME.as_str()) }
                nav aria-label="Main" {
                    ul {
                        @for (href, label) in self.nav_links() {
                            li { a href=(href) aria-current=[self.current(href)] { (label) } }
                        }
                    }
                }
                @if self.user.is_some() && !self.is_current(links.search) {
                    (self.search_box())
                }
                div.account {
                    @if let Some(user) = self.user {
                        a.user href=(links.account) aria-current=[self.current(links.account)] {
                            span.label { "Account" }
                            span.email { (user.email) }
                        }
                        form method="post" action=(links.log_out) {
                            button._link-button type="submit" { "Log out" }
                        }
                    } @else {
                        a href=(links.log_in) aria-current=[self.current(links.log_in)] { "Log in" }
                        a href=(links.sign_up) aria-current=[self.current(links.sign_up)] {
                            "Sign up"
                        }
                    }
                }
            }
            @if let Some(user) = self.user.filter(|user| !user.confirmed) {
                div.confirm-banner role="status" {
                    p { "Please confirm your email address: we sent a link to " strong { (user.email) } "." }
                    form method="post" action=(links.resend_confirmation) {
                        button._link-button type="submit" { "Send a new link" }
                    }
                }
            }
        }
    }

    /// A plain GET form, so it works without JavaScript (and, boosted, without a page load).
    /// Left out on the search page, whose own box is the one to use there.
    fn search_box(&self) -> Markup {
        html! {
            form.site-search method="get" action=(self.links.search) role="search" {
                label._visually-hidden for="site-search-q" { "Search" }
                input #site-search-q type="search" name="q" placeholder="Search…"
                    autocomplete="off";
            }
        }
    }

    /// The home page is current only on itself; any other link also on the pages below it.
    fn is_current(&self, href: &str) -> bool {
        match href {
            _ if href == self.links.home => self.current_path == href,
            _ => {
                self.current_path == href
                    || self
                        .current_path
                        .strip_prefix(href)
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        }
    }
}

inventory::submit! { CssFragment::new("site-header", r#"
.site-header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--space-2) var(--space-4);
    padding: var(--space-3) var(--space-5);
    border-bottom: 1px solid var(--color-border);
    background: var(--color-surface);

    & .brand {
        font-weight: 700;
        color: var(--color-text);
        text-decoration: none;
    }
    & ul {
        display: flex;
        flex-wrap: wrap;
        gap: var(--space-3);
        margin: 0;
        padding: 0;
        list-style: none;
    }
    & a[aria-current="page"] {
        font-weight: 600;
        text-decoration: underline;
        text-underline-offset: 0.3em;
    }
    & .account {
        display: flex;
        align-items: center;
        gap: var(--space-3);
        min-width: 0;
        max-width: 100%;
        margin-left: auto;
    }
    & .user {
        display: grid;
        min-width: 0;
        line-height: 1.25;
        text-align: right;
    }
    & .user .email {
        max-width: 16rem;
        overflow: hidden;
        color: var(--color-muted);
        font-size: var(--text-sm);
        text-overflow: ellipsis;
        white-space: nowrap;
    }
    & form { margin: 0; }
    & form button { white-space: nowrap; }
}

@media (max-width: 30rem) {
    .site-header { padding-inline: var(--space-4); }
}
"#) }

inventory::submit! { CssFragment::new("site-search", r#"
.site-search {
    flex: 0 1 14rem;
    min-width: 8rem;

    & input {
        width: 100%;
        padding: var(--space-1) var(--space-2);
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        background: var(--color-bg);
        color: var(--color-text);
        font: inherit;
    }
}
"#) }

inventory::submit! { CssFragment::new("confirm-banner", r#"
.confirm-banner {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: center;
    gap: var(--space-3);
    padding: var(--space-2) var(--space-4);
    background: var(--color-surface);
    border-bottom: 1px solid var(--color-warning);

    & p, & form { margin: 0; }
    & strong { overflow-wrap: anywhere; }
}
"#) }

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;

    const LINKS: SiteLinks = crate::SITE_LINKS;

    fn render(user: Option<&CurrentUser>, path: &str) -> Html {
        let header = SiteHeader {
            links: &LINKS,
            user,
            current_path: path,
        };
        Html::parse_fragment(&header.render().into_string())
    }

    fn select(doc: &Html, selector: &str) -> Vec<String> {
        doc.select(&Selector::parse(selector).unwrap())
            .map(|element| element.text().collect())
            .collect()
    }

    fn user(is_admin: bool) -> CurrentUser {
        CurrentUser {
            email: "<b>ada</b>@example.com".into(),
            confirmed: true,
            is_admin,
        }
    }

    #[test]
    fn the_account_link_says_account_with_the_address_as_a_detail() {
        let user = user(false);
        let doc = render(Some(&user), "/account");
        assert_eq!(
            select(&doc, "a.user[aria-current=page] .label"),
            ["Account"]
        );
        assert_eq!(select(&doc, "a.user .email"), ["<b>ada</b>@example.com"]);
        assert!(select(&doc, "b").is_empty());
        assert!(select(&doc, ".confirm-banner").is_empty());
    }

    #[test]
    fn admin_links_show_to_administrators_only() {
        let admin_link = "nav a[href='/admin/users']";
        let visitor = render(None, "/");
        assert!(select(&visitor, admin_link).is_empty());
        assert_eq!(select(&visitor, "a[href='/login']"), ["Log in"]);
        assert!(select(&render(Some(&user(false)), "/"), admin_link).is_empty());
        let admin = user(true);
        let doc = render(Some(&admin), "/admin/users");
        assert_eq!(
            select(&doc, &format!("{admin_link}[aria-current=page]")),
            ["Users"]
        );
    }

    #[test]
    fn signed_in_users_get_a_search_box_except_on_the_search_page() {
        let form = "form.site-search[role=search][method=get][action='/search'] input[name=q]";
        assert!(select(&render(None, "/"), form).is_empty());
        let user = user(false);
        assert_eq!(select(&render(Some(&user), "/contacts"), form).len(), 1);
        assert_eq!(
            select(&render(Some(&user), "/"), "label[for=site-search-q]"),
            ["Search"]
        );
        assert!(select(&render(Some(&user), "/search"), form).is_empty());
    }

    #[test]
    fn the_current_section_is_marked() {
        let header = SiteHeader {
            links: &LINKS,
            user: None,
            current_path: "/contacts/7",
        };
        assert!(header.is_current("/contacts"));
        assert!(!header.is_current("/"));
        assert!(!header.is_current("/con"));
    }
}
