//! Tenant hostnames: the generic checks (scheme, path, userinfo, port, IDNA, LDH) and each
//! vendor's host rules.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{Checked, Note};
use crate::integration::Integration;

/// OneTrust's official environment hosts (onetrust-wire.md §4).
const ONETRUST_ENVIRONMENTS: &[&str] = &[
    "app.onetrust.com",
    "app-eu.onetrust.com",
    "app-de.onetrust.com",
    "app-uk.onetrust.com",
    "app-apac.onetrust.com",
    "trial.onetrust.com",
    "uat.onetrust.com",
    "uat-de.onetrust.com",
];

/// The other official OneTrust environments, when `host` is one of them: where a tenant hosted
/// elsewhere lives (a 404 at the token endpoint, entitlements-wire §9.4, inferred).
pub fn other_onetrust_environments(host: &str) -> Option<Vec<&'static str>> {
    let host = host.trim().to_ascii_lowercase();
    ONETRUST_ENVIRONMENTS.contains(&host.as_str()).then(|| {
        ONETRUST_ENVIRONMENTS
            .iter()
            .copied()
            .filter(|e| *e != host)
            .collect()
    })
}

/// Okta's own domains (a custom domain is allowed, with a warning).
const OKTA_DOMAINS: &[&str] = &[
    ".okta.com",
    ".oktapreview.com",
    ".okta-emea.com",
    ".okta-gov.com",
];

/// How a tenant is reached. Only loopback hosts (the emulator, tests) may use plain HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Https,
    Http,
}

/// A validated tenant host: lowercase ASCII (IDNA applied), no scheme, no path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hostname {
    host: String,
    port: Option<u16>,
    scheme: Scheme,
    loopback: bool,
}

impl Hostname {
    /// The host as stored in a profile: `acme.my.onetrust.com`, `127.0.0.1:8080` or
    /// `https://127.0.0.1:8443` (the scheme is written only when it is not the default).
    pub fn to_profile_string(&self) -> String {
        let default_scheme = if self.loopback {
            Scheme::Http
        } else {
            Scheme::Https
        };
        let authority = self.authority();
        if self.scheme == default_scheme {
            authority
        } else {
            format!("{}://{authority}", self.scheme_str())
        }
    }

    /// `host[:port]`, with IPv6 literals in brackets.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(port) => format!("{host}:{port}"),
            None => host,
        }
    }

    /// The host name or IP literal, without brackets or port.
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.scheme {
            Scheme::Https => 443,
            Scheme::Http => 80,
        })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// An IP literal needs no DNS lookup.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    fn scheme_str(&self) -> &'static str {
        match self.scheme {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }

    /// The origin every request goes to, e.g. `https://acme.my.onetrust.com`.
    pub fn base_url(&self) -> url::Url {
        let text = format!("{}://{}/", self.scheme_str(), self.authority());
        // Both parts were produced by `url::Host` parsing, so this cannot fail; fall back to a
        // URL that will fail loudly at connect time rather than panic.
        url::Url::parse(&text).unwrap_or_else(|_| {
            url::Url::parse("https://invalid.invalid/").unwrap_or_else(|_| unreachable!())
        })
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_profile_string())
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HostError {
    #[error("enter the tenant hostname, for example {example}")]
    Empty { example: &'static str },
    #[error("a hostname cannot contain spaces")]
    Whitespace,
    #[error("remove the \"{user}@\" part: enter just the host, for example {example}")]
    UserInfo { user: String, example: &'static str },
    #[error("\"{0}\" has an empty part between dots")]
    EmptyLabel(String),
    #[error("\"{host}\" is not a valid hostname: {reason}")]
    Malformed { host: String, reason: String },
    #[error("remove the port \":{port}\": {vendor} tenants are reached on the standard HTTPS port")]
    PortNotAllowed { port: String, vendor: &'static str },
    #[error("\"{0}\" is not a valid port")]
    BadPort(String),
    #[error("only loopback addresses (the built-in emulator) may use {0}://")]
    SchemeNotAllowed(String),
    #[error("\"{0}\" is not a tenant: {1}")]
    NotATenant(String, &'static str),
}

const LOOPBACK_NAMES: &[&str] = &["localhost"];

/// Normalises and checks a tenant hostname for `integration`.
pub fn hostname(raw: &str, integration: Integration) -> Result<Checked<Hostname>, HostError> {
    let example = integration.example_host();
    let mut notes = Vec::new();
    let mut text = raw.trim();
    if text.is_empty() {
        return Err(HostError::Empty { example });
    }

    let mut scheme = None;
    if let Some(idx) = text.find("://") {
        let given = text[..idx].to_ascii_lowercase();
        text = &text[idx + 3..];
        match given.as_str() {
            "https" => scheme = Some(Scheme::Https),
            "http" => scheme = Some(Scheme::Http),
            other => return Err(HostError::SchemeNotAllowed(other.to_string())),
        }
    }

    // Cut everything after the authority: path, query or fragment.
    let cut_at = text.find(['/', '?', '#']).unwrap_or(text.len());
    let (authority, rest) = text.split_at(cut_at);
    if authority.chars().any(char::is_whitespace) {
        return Err(HostError::Whitespace);
    }
    if let Some(at) = authority.rfind('@') {
        // What follows a colon there is a password: never repeated.
        let user = match authority[..at].split_once(':') {
            Some((name, _)) => format!("{name}:…"),
            None => authority[..at].to_string(),
        };
        return Err(HostError::UserInfo { user, example });
    }

    let (host_part, port_part) = split_port(authority)?;
    if host_part.is_empty() {
        return Err(HostError::Empty { example });
    }
    let mut host_text = host_part.to_string();
    if host_text.ends_with('.') && !host_text.starts_with('[') {
        host_text.pop();
        notes.push(Note::Changed("removed the trailing dot".into()));
    }
    if !host_text.starts_with('[') && host_text.split('.').any(str::is_empty) {
        return Err(HostError::EmptyLabel(host_text));
    }
    let lowered = host_text.to_lowercase();
    // An unbracketed IPv6 literal (`::1`) is what it looks like; URL parsing wants brackets.
    let bracketed = match host_text.parse::<std::net::Ipv6Addr>() {
        Ok(_) => format!("[{host_text}]"),
        Err(_) => host_text.clone(),
    };
    let parsed = url::Host::parse(&bracketed).map_err(|e| HostError::Malformed {
        host: host_text.clone(),
        reason: e.to_string(),
    })?;
    let invisible: Vec<char> = host_text.chars().filter(|c| is_invisible(*c)).collect();
    let (host, loopback) = match parsed {
        url::Host::Domain(d) => {
            // IDNA drops invisible characters; what is left must still be a name.
            if d.split('.').any(str::is_empty) {
                return Err(HostError::EmptyLabel(d));
            }
            if !invisible.is_empty() {
                let names: Vec<String> = invisible
                    .iter()
                    .map(|c| format!("U+{:04X}", *c as u32))
                    .collect();
                notes.push(Note::Changed(format!(
                    "removed invisible characters ({}) from the name",
                    names.join(", ")
                )));
            }
            if let Some(reason) = bad_dns_name(&d) {
                return Err(HostError::Malformed {
                    host: host_text,
                    reason,
                });
            }
            let loopback = LOOPBACK_NAMES.contains(&d.as_str());
            (d, loopback)
        }
        url::Host::Ipv4(ip) => (ip.to_string(), ip.is_loopback()),
        url::Host::Ipv6(ip) => (ip.to_string(), ip.is_loopback()),
    };
    let port = match port_part {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| HostError::BadPort(p.to_string()))?,
        ),
    };

    match (scheme, loopback) {
        // On loopback https:// is kept (the stored host says so), so it is not "removed".
        (Some(Scheme::Https), false) => notes.insert(
            0,
            Note::Changed("removed https:// — enter just the host".into()),
        ),
        (Some(Scheme::Https), true) => {}
        (Some(Scheme::Http), false) => return Err(HostError::SchemeNotAllowed("http".into())),
        (Some(Scheme::Http), true) | (None, _) => {}
    }
    if !loopback && let Some(p) = port {
        return Err(HostError::PortNotAllowed {
            port: p.to_string(),
            vendor: integration.display_name(),
        });
    }
    if !rest.is_empty() {
        notes.push(Note::Changed(format!(
            "removed \"{rest}\" — enter just the host, without a path"
        )));
    }
    if lowered != host_text && !loopback {
        notes.push(Note::Changed("changed to lowercase".into()));
    }
    if host.starts_with("xn--") || host.contains(".xn--") {
        notes.push(Note::Changed(format!(
            "international name written as {host}"
        )));
    }

    let scheme = scheme.unwrap_or(if loopback {
        Scheme::Http
    } else {
        Scheme::Https
    });
    let mut value = Hostname {
        host,
        port,
        scheme,
        loopback,
    };
    if loopback {
        notes.push(Note::Warning(
            "loopback address: only the built-in emulator lives here".into(),
        ));
    } else {
        vendor_rules(integration, &mut value.host, &mut notes)?;
    }
    Ok(Checked { value, notes })
}

/// Characters that do not show but change a name: soft hyphen, zero-width space and joiners,
/// word joiner, byte-order mark, Mongolian vowel separator.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{180e}'
    )
}

/// WHATWG URL parsing accepts names DNS cannot hold; tenants have plain LDH names.
fn bad_dns_name(ascii: &str) -> Option<String> {
    if ascii.len() > 253 {
        return Some("longer than 253 characters".into());
    }
    for label in ascii.split('.') {
        if label.len() > 63 {
            return Some(format!("\"{label}\" is longer than 63 characters"));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Some(format!("'{c}' cannot be part of a hostname"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some(format!("\"{label}\" cannot start or end with '-'"));
        }
    }
    None
}

/// Splits `host:port` / `[v6]:port`; a bare IPv6 literal without brackets has no port.
fn split_port(authority: &str) -> Result<(&str, Option<&str>), HostError> {
    if let Some(rest) = authority.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return Err(HostError::Malformed {
                host: authority.to_string(),
                reason: "missing ']'".into(),
            });
        };
        let host = &authority[..end + 2];
        let after = &rest[end + 1..];
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(HostError::Malformed {
                host: authority.to_string(),
                reason: format!("unexpected \"{after}\" after the address"),
            }),
        };
    }
    match authority.matches(':').count() {
        0 => Ok((authority, None)),
        1 => {
            let (h, p) = authority.split_once(':').unwrap_or((authority, ""));
            Ok((h, Some(p)))
        }
        // An unbracketed IPv6 literal.
        _ => Ok((authority, None)),
    }
}

/// Vendor rules on top of the generic hostname checks. Unknown domains are warned about,
/// not refused: tenants can sit behind custom domains.
fn vendor_rules(
    integration: Integration,
    host: &mut String,
    notes: &mut Vec<Note>,
) -> Result<(), HostError> {
    match integration {
        Integration::OneTrust => {
            let name = host.as_str();
            if name == "my.onetrust.com" {
                return Err(HostError::NotATenant(
                    name.to_string(),
                    "my.onetrust.com is the myOneTrust community site; enter your tenant, for example acme.my.onetrust.com",
                ));
            }
            let known = ONETRUST_ENVIRONMENTS.contains(&name)
                || name.ends_with(".my.onetrust.com")
                || name.ends_with(".onetrust.com");
            if !known {
                notes.push(Note::Warning(format!(
                    "{name} is not an onetrust.com host; check it is the host you sign in to"
                )));
            }
        }
        Integration::Okta => {
            let known = OKTA_DOMAINS.iter().any(|s| host.ends_with(s));
            // The Admin Console lives on ORG-admin.okta.com; the API is on ORG.okta.com.
            if known
                && let Some((first, rest)) = host.split_once('.')
                && let Some(org) = first.strip_suffix("-admin")
            {
                *host = format!("{org}.{rest}");
                notes.push(Note::Changed(
                    "removed \"-admin\": enter the org domain, not the Admin Console's".into(),
                ));
            }
            if !known {
                notes.push(Note::Warning(format!(
                    "{host} is not an okta.com host; fine for a custom domain, otherwise check it"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_onetrust_environment_host_names_the_others() {
        let others = other_onetrust_environments("App.OneTrust.com").unwrap();
        assert!(others.contains(&"app-eu.onetrust.com"), "{others:?}");
        assert!(!others.contains(&"app.onetrust.com"), "{others:?}");
        assert_eq!(other_onetrust_environments("acme.my.onetrust.com"), None);
    }

    use super::*;
    use crate::validate::Note;

    fn ot(raw: &str) -> Result<Checked<Hostname>, HostError> {
        hostname(raw, Integration::OneTrust)
    }

    fn changes(c: &Checked<Hostname>) -> Vec<String> {
        c.notes
            .iter()
            .filter_map(|n| match n {
                Note::Changed(t) => Some(t.clone()),
                Note::Warning(_) => None,
            })
            .collect()
    }

    #[test]
    fn plain_host_is_accepted_unchanged() {
        let c = ot("acme.my.onetrust.com").unwrap();
        assert_eq!(c.value.to_profile_string(), "acme.my.onetrust.com");
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        assert_eq!(c.value.base_url().as_str(), "https://acme.my.onetrust.com/");
    }

    #[test]
    fn scheme_path_case_and_spaces_are_explained() {
        let c = ot("  HTTPS://Acme.My.OneTrust.com/auth/login?x=1 ").unwrap();
        assert_eq!(c.value.to_profile_string(), "acme.my.onetrust.com");
        let ch = changes(&c);
        assert_eq!(ch[0], "removed https:// — enter just the host");
        assert!(ch.iter().any(|t| t.contains("/auth/login?x=1")), "{ch:?}");
        assert!(ch.iter().any(|t| t.contains("lowercase")), "{ch:?}");
    }

    #[test]
    fn a_password_before_the_host_is_never_repeated() {
        let e = ot("https://admin:P4ssw0rd@acme.my.onetrust.com/x").unwrap_err();
        assert!(
            e.to_string().contains("remove the \"admin:…@\" part"),
            "{e}"
        );
        assert!(!format!("{e} {e:?}").contains("P4ssw0rd"), "{e:?}");
    }

    #[test]
    fn bad_hosts_are_rejected_with_reasons() {
        assert!(matches!(ot(""), Err(HostError::Empty { .. })));
        assert!(matches!(ot("   "), Err(HostError::Empty { .. })));
        assert!(matches!(
            ot("acme .my.onetrust.com"),
            Err(HostError::Whitespace)
        ));
        assert!(matches!(
            ot("admin@acme.my.onetrust.com"),
            Err(HostError::UserInfo { .. })
        ));
        assert!(matches!(
            ot("acme..onetrust.com"),
            Err(HostError::EmptyLabel(_))
        ));
        assert!(matches!(ot(".onetrust.com"), Err(HostError::EmptyLabel(_))));
        assert!(matches!(
            ot("acme.my.onetrust.com:8443"),
            Err(HostError::PortNotAllowed { .. })
        ));
        assert!(matches!(
            ot("http://acme.my.onetrust.com"),
            Err(HostError::SchemeNotAllowed(_))
        ));
        assert!(matches!(
            ot("ftp://acme.com"),
            Err(HostError::SchemeNotAllowed(_))
        ));
        assert!(matches!(
            ot("acme_x!.com"),
            Err(HostError::Malformed { .. })
        ));
        assert!(matches!(
            ot("my.onetrust.com"),
            Err(HostError::NotATenant(..))
        ));
    }

    #[test]
    fn loopback_may_use_http_and_a_port() {
        let c = ot("127.0.0.1:8080").unwrap();
        assert!(c.value.is_loopback());
        assert_eq!(c.value.scheme(), Scheme::Http);
        assert_eq!(c.value.base_url().as_str(), "http://127.0.0.1:8080/");
        assert_eq!(c.value.to_profile_string(), "127.0.0.1:8080");

        let c = ot("http://[::1]:9/").unwrap();
        assert_eq!(c.value.authority(), "[::1]:9");
        assert_eq!(c.value.to_profile_string(), "[::1]:9");

        let c = ot("localhost:3000").unwrap();
        assert_eq!(c.value.base_url().as_str(), "http://localhost:3000/");

        let c = ot("https://127.0.0.1:8443").unwrap();
        assert_eq!(c.value.scheme(), Scheme::Https);
        assert!(
            !changes(&c).iter().any(|t| t.contains("removed https")),
            "https:// is kept on loopback, so it is not reported as removed"
        );
        assert_eq!(c.value.to_profile_string(), "https://127.0.0.1:8443");
        // The stored form reads back to the same value.
        let again = ot(&c.value.to_profile_string()).unwrap();
        assert_eq!(again.value, c.value);
    }

    #[test]
    fn invisible_characters_are_removed_with_a_note_or_refused_when_a_label_empties() {
        let c = ot("ac\u{ad}me.my.onetrust.com").unwrap();
        assert_eq!(c.value.host(), "acme.my.onetrust.com");
        assert!(
            changes(&c).iter().any(|t| t.contains("U+00AD")),
            "{:?}",
            c.notes
        );
        assert!(matches!(
            ot("acme.\u{200b}.my.onetrust.com"),
            Err(HostError::EmptyLabel(_))
        ));
    }

    /// Item 8 (issue 20): loopback hosts follow one rule whatever the vendor: https:// kept,
    /// http:// the default, a port allowed, the same notes.
    #[test]
    fn loopback_hosts_are_one_rule_for_both_vendors() {
        for raw in [
            "https://127.0.0.1:8443",
            "HTTPS://localhost:9/",
            "http://127.0.0.1:8080",
            "127.0.0.1:8080",
            "https://[::1]:443",
        ] {
            let a = hostname(raw, Integration::OneTrust).unwrap();
            let b = hostname(raw, Integration::Okta).unwrap();
            assert_eq!(a.value, b.value, "{raw}");
            assert_eq!(a.notes, b.notes, "{raw}");
        }
        let kept = hostname("https://127.0.0.1:8443", Integration::Okta).unwrap();
        assert_eq!(kept.value.scheme(), Scheme::Https);
        assert_eq!(kept.value.to_profile_string(), "https://127.0.0.1:8443");
    }

    #[test]
    fn a_bare_ipv6_loopback_is_accepted() {
        let c = ot("::1").unwrap();
        assert!(c.value.is_loopback());
        assert_eq!(c.value.authority(), "[::1]");
        assert_eq!(c.value.to_profile_string(), "[::1]");
    }

    #[test]
    fn bad_ports_are_rejected() {
        assert!(matches!(ot("127.0.0.1:0"), Err(HostError::BadPort(_))));
        assert!(matches!(ot("127.0.0.1:99999"), Err(HostError::BadPort(_))));
        assert!(matches!(ot("127.0.0.1:"), Err(HostError::BadPort(_))));
    }

    #[test]
    fn idna_is_applied_and_said() {
        let c = ot("bücher.onetrust.com").unwrap();
        assert_eq!(c.value.host(), "xn--bcher-kva.onetrust.com");
        assert!(changes(&c).iter().any(|t| t.contains("international")));
    }

    #[test]
    fn host_outside_the_vendor_domain_is_a_warning() {
        let c = ot("onetrust.example.com").unwrap();
        assert!(
            c.notes.iter().any(|n| matches!(n, Note::Warning(_))),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn okta_hosts() {
        let c = hostname(
            "https://corp-admin.okta.com/admin/dashboard",
            Integration::Okta,
        )
        .unwrap();
        assert_eq!(c.value.to_profile_string(), "corp.okta.com");
        assert!(
            changes(&c).iter().any(|t| t.contains("-admin")),
            "{:?}",
            c.notes
        );
        let c = hostname("corp.oktapreview.com", Integration::Okta).unwrap();
        assert!(c.notes.is_empty());
        let c = hostname("login.corp.example", Integration::Okta).unwrap();
        assert!(c.notes.iter().any(|n| matches!(n, Note::Warning(_))));
    }
}
