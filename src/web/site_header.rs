//! The site header: the brand, the navigation (with the admin pages for administrators),
//! a search box for signed-in users, and the account: a menu under "Account" (the address as
//! a detail) with the account page and "Log out"; or "Log in" and "Sign up".
//!
//! On a phone it is one row, as on a wide screen with the navigation folded: the brand, a
//! menu button whose popover holds the navigation, a search button and the account. The
//! navigation and the account are each rendered once, for every width. The popover opens
//! and closes without JavaScript (a browser without popovers shows the links in the row);
//! the account menu is a `<details>`, which opens without it, and `app.js` closes it on
//! Escape or a click elsewhere. `app.js` also opens the header's search box in place of the
//! search button (without it, the button leads to the search page).

use maud::{Markup, html};

use super::{css::CssFragment, current_user::CurrentUser};

/// The popover holding the navigation on a phone.
const MENU: &str = "site-menu";

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
        let search = self.user.is_some() && !self.is_current(links.search);
        html! {
            header.site-header {
                a.brand href=(links.home) { (crate::APP_NAME.as_str()) }
                // One navigation for every width: a row of links on a wide screen, and on a
                // phone a popover the menu button opens (and a click elsewhere or Escape
                // closes, by the browser alone, with or without script).
                button.menu-button type="button" popovertarget=(MENU) {
                    (Icon::Menu.render())
                    span._visually-hidden { "Menu" }
                }
                div.site-menu #(MENU) popover {
                    nav aria-label="Main" { (self.nav_list()) }
                }
                @if search {
                    (self.search_box())
                    a.search-button href=(links.search) data-opens-search data-hx-boost="false" {
                        (Icon::Search.render())
                        span._visually-hidden { "Search" }
                    }
                }
                div.account {
                    @if let Some(user) = self.user {
                        details.account-menu data-menu {
                            summary.user {
                                span.label { "Account" }
                                span.email { (user.email) }
                            }
                            div.menu-panel { (self.account_actions()) }
                        }
                    } @else {
                        (self.account_actions())
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

    fn nav_list(&self) -> Markup {
        html! {
            ul {
                @for (href, label) in self.nav_links() {
                    li { a href=(href) aria-current=[self.current(href)] { (label) } }
                }
            }
        }
    }

    /// The account page and "Log out"; or "Log in" and "Sign up", the one a visitor is
    /// invited to.
    fn account_actions(&self) -> Markup {
        let links = self.links;
        html! {
            @if self.user.is_some() {
                a href=(links.account) aria-current=[self.current(links.account)] {
                    "Account settings"
                }
                form method="post" action=(links.log_out) {
                    button._link-button type="submit" { "Log out" }
                }
            } @else {
                a href=(links.log_in) aria-current=[self.current(links.log_in)] { "Log in" }
                a.action-button.__primary href=(links.sign_up)
                    aria-current=[self.current(links.sign_up)] { "Sign up" }
            }
        }
    }

    /// A plain GET form, so it works without JavaScript (and, boosted, without a page load).
    /// Left out on the search page, whose own box is the one to use there.
    fn search_box(&self) -> Markup {
        html! {
            form.site-search method="get" action=(self.links.search) role="search" aria-label="Site" {
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

/// The header's outline icons, 20 px, in the text's colour. Each is a modifier of `.icon` in
/// the style sheet below, which holds the drawings once rather than every page.
#[derive(Debug, Clone, Copy)]
enum Icon {
    Search,
    Menu,
}

impl Icon {
    fn render(self) -> Markup {
        let modifier = match self {
            Self::Search => "__search",
            Self::Menu => "__menu",
        };
        html! { span.icon.(modifier) aria-hidden="true" {} }
    }
}

inventory::submit! { CssFragment::new("site-header", r#"
.site-header {
    position: relative;
    display: flex;
    align-items: center;
    gap: var(--space-2) var(--space-5);
    min-height: 3.5rem;
    padding: var(--space-2) var(--space-5);
    border-bottom: 1px solid var(--color-border);
    background: var(--color-surface);

    & .brand {
        font-weight: 700;
        color: var(--color-text);
        text-decoration: none;
        white-space: nowrap;
    }
    & ul {
        display: flex;
        gap: var(--space-1);
        margin: 0;
        padding: 0;
        list-style: none;
    }
    & nav a {
        display: block;
        padding: var(--space-1) var(--space-2);
        border-radius: var(--radius);
        color: var(--color-text);
        text-decoration: none;

        &:hover { background: var(--color-hover); }
        &[aria-current="page"] { color: var(--color-accent); font-weight: 600; }
    }
    /* The icon is its drawing used as a mask over the text's colour; with forced colours
       (Windows' contrast themes), over the theme's text colour. */
    & .icon {
        display: block;
        width: 20px;
        height: 20px;
        background: currentColor;
        mask: var(--icon) center / contain no-repeat;

        &.__search { --icon: url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 20 20'%3E%3Cpath d='M9 3.5a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11ZM17 17l-4-4' fill='none' stroke='black' stroke-width='1.75' stroke-linecap='round'/%3E%3C/svg%3E"); }
        &.__menu { --icon: url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 20 20'%3E%3Cpath d='M3 5.5h14M3 10h14M3 14.5h14' fill='none' stroke='black' stroke-width='1.75' stroke-linecap='round'/%3E%3C/svg%3E"); }
        @media (forced-colors: active) { background: CanvasText; forced-color-adjust: none; }
    }
    & .site-menu nav { margin-right: auto; }
    & .account {
        display: flex;
        align-items: center;
        gap: var(--space-4);
        min-width: 0;
    }
    & summary {
        list-style: none;
        border-radius: var(--radius);

        &::-webkit-details-marker { display: none; }
        &:hover { background: var(--color-hover); }
    }
    & .user {
        display: grid;
        min-width: 0;
        padding: var(--space-1) var(--space-2);
        line-height: 1.25;
        text-align: right;
    }
    & .email {
        max-width: 16rem;
        overflow: hidden;
        color: var(--color-muted);
        font-size: var(--text-sm);
        text-overflow: ellipsis;
        white-space: nowrap;
    }
    & .menu-panel {
        position: absolute;
        z-index: 20;
        top: calc(100% + var(--space-1));
        right: var(--space-5);
        display: grid;
        gap: var(--space-2);
        min-width: 14rem;
        padding: var(--space-3) var(--space-4);
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        background: var(--color-bg);
        box-shadow: 0 6px 24px rgb(0 0 0 / 0.14);
        text-align: left;
    }
    & form { margin: 0; }
    & form button { white-space: nowrap; }
    & .menu-button, & .search-button { display: none; }
    /* On a wide screen the popover is no box of its own: the navigation is the row's. */
    @media (width > 48rem) {
        & .site-menu { display: contents; }
    }

    /* A phone: one row of brand, menu, search and account. */
    @media (max-width: 48rem) {
        column-gap: var(--space-2);
        padding-inline: var(--space-4);

        & .site-search, & .user .email { display: none; }
        & .menu-button, & .search-button {
            display: block;
            padding: var(--space-2);
            border: 0;
            border-radius: var(--radius);
            background: none;
            color: var(--color-text);
            cursor: pointer;

            &:hover { background: var(--color-hover); }
        }
        & .search-button { margin-left: auto; }
        & .account { gap: var(--space-3); }
        & .menu-button + .site-menu + .account { margin-left: auto; }
        /* Open, the popover hangs under the header's row, across the window. */
        & .site-menu:popover-open {
            inset: 3.5rem var(--space-4) auto;
            width: auto;
            margin: 0;
            padding: var(--space-2);
            border: 1px solid var(--color-border);
            border-radius: var(--radius);
            background: var(--color-bg);
            color: var(--color-text);
            box-shadow: 0 6px 24px rgb(0 0 0 / 0.14);
        }
        & .site-menu ul { flex-direction: column; }
        & .site-menu nav a { padding: var(--space-2); }
        & .menu-panel { left: var(--space-4); right: var(--space-4); }
        /* Opened by the search button (app.js): the box takes the row. */
        &.__searching .site-search { display: block; flex: 1; }
        &.__searching .search-button, &.__searching .brand, &.__searching .menu-button { display: none; }
    }
}
"#) }

inventory::submit! { CssFragment::new("site-search", r#"
.site-search {
    flex: 0 1 16rem;
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
    fn the_account_menu_says_account_with_the_address_as_a_detail() {
        let user = user(false);
        let doc = render(Some(&user), "/account");
        assert_eq!(
            select(&doc, ".account details.account-menu summary.user .label"),
            ["Account"]
        );
        assert_eq!(
            select(&doc, "summary.user .email"),
            ["<b>ada</b>@example.com"]
        );
        assert_eq!(
            select(&doc, ".account-menu a[href='/account'][aria-current=page]"),
            ["Account settings"]
        );
        assert_eq!(
            select(&doc, ".account-menu form[action='/logout'] button"),
            ["Log out"]
        );
        assert!(select(&doc, "b").is_empty());
        assert!(select(&doc, ".confirm-banner").is_empty());
    }

    #[test]
    fn the_navigation_and_the_account_are_rendered_once_for_every_width() {
        let user = user(false);
        let doc = render(Some(&user), "/contacts");
        // On a phone, the menu button opens the popover that holds the navigation.
        assert_eq!(
            select(
                &doc,
                "button.menu-button[type=button][popovertarget=site-menu] ._visually-hidden"
            ),
            ["Menu"]
        );
        assert_eq!(
            select(
                &doc,
                "#site-menu[popover] nav[aria-label=Main] a[aria-current=page]"
            ),
            ["Contacts"]
        );
        for once in [
            "nav",
            "a[href='/contacts']",
            ".email",
            "form[action='/logout']",
        ] {
            assert_eq!(select(&doc, once).len(), 1, "{once}");
        }
        let visitor = render(None, "/");
        assert_eq!(select(&visitor, ".account a"), ["Log in", "Sign up"]);
        assert_eq!(
            select(
                &visitor,
                ".account a.action-button.__primary[href='/register']"
            ),
            ["Sign up"]
        );
        assert_eq!(select(&visitor, "a[href='/login']").len(), 1);
    }

    #[test]
    fn admin_links_show_to_administrators_only() {
        let admin_link = ".site-menu nav a[href='/admin/users']";
        let visitor = render(None, "/");
        assert!(select(&visitor, admin_link).is_empty());
        assert_eq!(select(&visitor, ".account a[href='/login']"), ["Log in"]);
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
        // On a phone, a button in its place leads to the search page (or, with script, opens
        // the box).
        assert_eq!(
            select(
                &render(Some(&user), "/contacts"),
                "a.search-button[href='/search'][data-opens-search]"
            ),
            ["Search"]
        );
        assert!(select(&render(Some(&user), "/search"), ".search-button").is_empty());
        // Its icon, and the menu's, are drawn by the style sheet and hidden from screen
        // readers, which read the words beside them.
        let doc = render(Some(&user), "/contacts");
        for icon in [
            ".search-button span.icon.__search[aria-hidden=true]",
            ".menu-button span.icon.__menu[aria-hidden=true]",
        ] {
            assert_eq!(select(&doc, icon).len(), 1, "{icon}");
        }
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
