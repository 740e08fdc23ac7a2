//! The org's own record, asked before any credential is used (entitlements-wire §8, §10.9):
//! `GET /.well-known/okta-organization` ([SPEC] `getWellknownOrgMetadata`, `security: []`)
//! answers every Okta org with its ID, its okta.com host and any custom domain. A mistyped or
//! deactivated org answers anything else — a 404 HTML page behind Okta's valid wildcard
//! certificate, so DNS and TLS pass — and is said as such (`okta.org_not_found`), not as a
//! vague answer of the token endpoint. The hosts it names are the org's own: a next-page link
//! on one of them is the org's too (`Okta::follow`).

use reqwest::header::ACCEPT;
use serde::Deserialize;

use super::Okta;
use crate::connector::{ConnectorError, Endpoint, Text, excerpt, text};
use crate::diagnose::code;
use crate::http;

pub const WELL_KNOWN_PATH: &str = "/.well-known/okta-organization";

/// What the org says about itself.
#[derive(Debug, Clone, Default)]
pub struct OrgRecord {
    pub id: String,
    /// Its okta.com host (`_links.organization`) and custom domain (`_links.alternate`), as
    /// origins ("https://corp.okta.com").
    pub hosts: Vec<url::Url>,
}

#[derive(Deserialize)]
struct WellKnown {
    id: Option<Text>,
    #[serde(rename = "_links", default)]
    links: Option<WellKnownLinks>,
}

#[derive(Deserialize)]
struct WellKnownLinks {
    organization: Option<Href>,
    alternate: Option<Href>,
}

#[derive(Deserialize)]
struct Href {
    href: Option<Text>,
}

impl OrgRecord {
    /// The org's other host besides `asked`, if its record names one.
    pub fn other_than(&self, asked: &url::Url) -> Option<&url::Url> {
        self.hosts.iter().find(|h| h.origin() != asked.origin())
    }
}

impl Okta {
    /// Asks the org's record once per run (the answer is kept, siblings share it). Only a
    /// record that is Okta's lets a credential be sent; anything else is said plainly.
    pub(super) async fn know_org(&mut self) -> Result<(), ConnectorError> {
        if self.org.is_some() {
            return Ok(());
        }
        let url = self.url(WELL_KNOWN_PATH);
        let client = self.http.inner().clone();
        let r = self
            .http
            .send(http::SMALL_BODY, || {
                Ok::<_, ConnectorError>(client.get(url.clone()).header(ACCEPT, "application/json"))
            })
            .await?;
        let not_okta = |why: &str| ConnectorError::Verdict {
            code: code::OKTA_ORG_NOT_FOUND,
            detail: format!(
                "{}; {why}",
                self.answer(Endpoint::Org, "GET", WELL_KNOWN_PATH, &r)
            ),
        };
        match r.status {
            200 => {
                let json = r
                    .header("content-type")
                    .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
                let record = serde_json::from_slice::<WellKnown>(&r.body).ok();
                let Some(record) = record.filter(|_| json) else {
                    return Err(not_okta(
                        "that is a web page, not Okta's org record: this host is not an Okta org",
                    ));
                };
                let hosts = record
                    .links
                    .into_iter()
                    .flat_map(|l| [l.organization, l.alternate])
                    .flatten()
                    .filter_map(|h| text(h.href))
                    .filter_map(|h| url::Url::parse(&h).ok())
                    .filter(|u| u.host_str().is_some())
                    .collect();
                self.org = Some(OrgRecord {
                    id: text(record.id).unwrap_or_default(),
                    hosts,
                });
                Ok(())
            }
            // Gone or never there: no org answers at this host.
            404 | 410 => Err(not_okta(
                "no Okta org answers at this host (a mistyped or deactivated org)",
            )),
            // A redirect, a rate limit, a server error: the error map says which.
            _ => Err(self.answer(Endpoint::Org, "GET", WELL_KNOWN_PATH, &r)),
        }
    }

    /// "Okta org 00o…" and its other host, for the token step.
    pub(super) fn org_summary(&self) -> Option<String> {
        let org = self.org.as_ref()?;
        let id = excerpt(&org.id, 40);
        let mut s = if id.is_empty() {
            "Okta org".to_string()
        } else {
            format!("Okta org {id}")
        };
        if let Some(other) = org.other_than(&self.base) {
            s.push_str(&format!(
                " (also at {})",
                excerpt(&other.origin().ascii_serialization(), 120)
            ));
        }
        Some(s)
    }

    /// The URL a next-page link leads to, as this client asks for it: a link within the org's
    /// configured origin as it is; a link on the org's other host (its okta.com host or custom
    /// domain, as its record names them) re-issued against the configured origin, so the token,
    /// the assertion's `aud` and the proof's `htu` stay on one host (§8, §10.2); any other link
    /// is refused, so the token is never sent elsewhere.
    pub(crate) fn follow(&self, link: &str) -> Result<url::Url, ConnectorError> {
        let u = url::Url::parse(link).map_err(|e| {
            ConnectorError::Unexpected(format!("the next-page link is not a URL: {e}"))
        })?;
        if u.origin() == self.base.origin() {
            return Ok(u);
        }
        // The same host and port; a scheme's default port either way (the spec's `_links`
        // examples say http:// of an https:// org): the link is re-issued over the configured
        // origin, never followed as given.
        let same = |h: &url::Url| {
            h.host_str() == u.host_str()
                && (h.port() == u.port() || h.port_or_known_default() == u.port_or_known_default())
        };
        let own = self.org.as_ref().is_some_and(|o| o.hosts.iter().any(same));
        if own {
            let mut rebased = self.base.clone();
            rebased.set_path(u.path());
            rebased.set_query(u.query());
            return Ok(rebased);
        }
        Err(ConnectorError::Unexpected(format!(
            "the next-page link points to another host ({})",
            excerpt(&u.origin().ascii_serialization(), crate::connector::QUOTED)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::ConnectorConfig;
    use crate::integration::Integration;

    fn okta(host: &str, org_hosts: &[&str]) -> Okta {
        let key = crate::keys::generate(crate::keys::KeyType::EcP256).unwrap();
        let mut o = Okta::new(ConnectorConfig {
            integration: Integration::Okta,
            host: crate::validate::hostname(host, Integration::Okta)
                .unwrap()
                .value,
            client_id: "0oa1".into(),
            secret: key.pem,
            http: crate::http::HttpClient::new(false).unwrap(),
            okta: Some(crate::profile::OktaSettings {
                key_id: None,
                dpop: false,
                scopes: vec!["okta.users.read".into()],
                dpop_nonce: None,
                key_origin: Default::default(),
                staged: None,
            }),
        })
        .unwrap();
        if !org_hosts.is_empty() {
            o.org = Some(OrgRecord {
                id: "00o1".into(),
                hosts: org_hosts
                    .iter()
                    .map(|h| url::Url::parse(h).unwrap())
                    .collect(),
            });
        }
        o
    }

    #[test]
    fn a_link_on_the_orgs_other_host_is_reissued_on_the_configured_one() {
        let o = okta(
            "login.corp.example",
            &["https://corp.okta.com", "https://login.corp.example"],
        );
        let next = "https://corp.okta.com/api/v1/users?after=000uABC&limit=200";
        assert_eq!(
            o.follow(next).unwrap().as_str(),
            "https://login.corp.example/api/v1/users?after=000uABC&limit=200"
        );
        // The spec's `_links` say http:// of an https:// org: still the org, never followed
        // over plain HTTP.
        let plain = "http://corp.okta.com/api/v1/users?after=x";
        assert_eq!(
            o.follow(plain).unwrap().as_str(),
            "https://login.corp.example/api/v1/users?after=x"
        );
        // Anyone else's host is refused.
        let e = o
            .follow("https://evil.example/api/v1/users?after=x")
            .unwrap_err();
        assert!(e.to_string().contains("another host"), "{e}");
        let e = o
            .follow("https://corp.okta.com:8443/api/v1/users")
            .unwrap_err();
        assert!(e.to_string().contains("another host"), "{e}");
    }

    #[test]
    fn without_the_orgs_record_only_its_own_origin_is_followed() {
        let o = okta("corp.okta.com", &[]);
        assert!(
            o.follow("https://corp.okta.com/api/v1/users?after=x")
                .is_ok()
        );
        assert!(o.follow("https://login.corp.example/api/v1/users").is_err());
    }
}
