//! What the sessions page and the new-device notice say about a client: its browser and
//! system, read from the `User-Agent` header, and its network, cut from its address.
//!
//! The parser knows the browsers and systems most people use and nothing more: a crate with
//! the full user-agent database (uap-core's regexes, or woothee's tables, unchanged since
//! 2020) would cost a large regex set or a stale one for a label that only has to be
//! recognisable ("Firefox on Windows"). A client it does not know is named by its first
//! product token (`curl`, `reqwest`), so two scripts still tell apart.
//!
//! Addresses are kept no finer than a network: an IPv4 address by its /24, an IPv6 one by its
//! /48. That is enough to tell home from the office, and not enough to find a house.

/// The longest user agent kept; the rest is dropped.
pub const MAX_USER_AGENT: usize = 512;

/// What the pages show for a client that sent no user agent.
const UNKNOWN: &str = "Unknown browser";

/// A label such as "Firefox on Windows", "Safari on iPhone", or "curl".
pub fn describe(user_agent: &str) -> String {
    let browser = browser(user_agent);
    match system(user_agent) {
        Some(system) => format!("{browser} on {system}"),
        None => browser,
    }
}

/// The user agent as it is stored: at most [`MAX_USER_AGENT`] characters, without control
/// characters.
pub fn stored(user_agent: &str) -> String {
    user_agent
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_AGENT)
        .collect()
}

fn browser(ua: &str) -> String {
    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    const KNOWN: [(&[&str], &str); 8] = [
        (&["Edg/", "EdgA/", "EdgiOS/", "Edge/"], "Edge"),
        (&["OPR/", "Opera"], "Opera"),
        (&["SamsungBrowser/"], "Samsung Internet"),
        (&["Vivaldi/"], "Vivaldi"),
        (&["Firefox/", "FxiOS/"], "Firefox"),
        (&["Chromium/"], "Chromium"),
        (&["Chrome/", "CriOS/"], "Chrome"),
        (&["Version/"], "Safari"),
    ];
    let ua = ua.trim();
    if ua.is_empty() {
        return UNKNOWN.to_owned();
    }
    for (marks, name) in KNOWN {
        if marks.iter().any(|mark| ua.contains(mark)) {
            if name == "Safari" && !ua.contains("Safari/") {
                continue;
            }
            return name.to_owned();
        }
    }
    if ua.starts_with("Mozilla/") {
        return UNKNOWN.to_owned();
    }
    // A script or a tool: its product name, as far as it reads as one.
    let product: String = ua
        .split(['/', ' '])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(40)
        .collect();
    if product.is_empty() {
        UNKNOWN.to_owned()
    } else {
        product
    }
}

fn system(ua: &str) -> Option<&'static str> {
    // iPhones and iPads say "like Mac OS X", Android says Linux: the specific ones first.
    const KNOWN: [(&str, &str); 8] = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("CrOS", "ChromeOS"),
        ("Windows", "Windows"),
        ("Macintosh", "macOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ];
    KNOWN
        .into_iter()
        .find(|(mark, _)| ua.contains(mark))
        .map(|(_, name)| name)
}

/// The network of a client, from `web::client_ip::ClientIp`'s text (an IPv4 address, or an
/// IPv6 /64 written `a:b:c:d::/64`): `203.0.113.0/24`, `2001:db8:1::/48`. `None` when the
/// address is unknown.
pub fn network(client_ip: &str) -> Option<String> {
    if let Ok(std::net::IpAddr::V4(v4)) = client_ip.parse::<std::net::IpAddr>() {
        let [a, b, c, _] = v4.octets();
        return Some(format!("{a}.{b}.{c}.0/24"));
    }
    let address = client_ip.split('/').next().unwrap_or_default();
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => {
            let [a, b, c, ..] = v6.segments();
            Some(format!("{a:x}:{b:x}:{c:x}::/48"))
        }
        Ok(std::net::IpAddr::V4(v4)) => network(&v4.to_string()),
        Err(_) => None,
    }
}

/// Whether a network (as [`network`] writes it) is IPv6.
pub fn is_ipv6(network: Option<&str>) -> bool {
    network.is_some_and(|network| network.contains(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_browsers_are_named_with_their_system() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "Chrome on macOS",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
                "Samsung Internet on Android",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
                "Opera on Linux",
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1",
                "Chrome on iPad",
            ),
            ("curl/8.5.0", "curl"),
            ("", "Unknown browser"),
            ("Mozilla/5.0 (compatible)", "Unknown browser"),
            ("<script>/1", "script"),
        ];
        for (ua, label) in cases {
            assert_eq!(describe(ua), label, "{ua}");
        }
    }

    #[test]
    fn addresses_are_cut_to_their_network() {
        assert_eq!(network("203.0.113.77").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(
            network("2001:db8:1:2::/64").as_deref(),
            Some("2001:db8:1::/48")
        );
        assert_eq!(network("unknown"), None);
        assert!(is_ipv6(network("2001:db8:1:2::/64").as_deref()));
        assert!(!is_ipv6(network("203.0.113.77").as_deref()));
    }

    #[test]
    fn stored_agents_are_bounded_and_clean() {
        let long = "a".repeat(2000);
        assert_eq!(stored(&long).len(), MAX_USER_AGENT);
        assert_eq!(stored("a\nb\u{0}c"), "abc");
    }
}
