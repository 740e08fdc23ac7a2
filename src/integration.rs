//! The identity sources ploy-connect can connect, and the per-vendor facts about their hosts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::validate::{HostError, Note};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Integration {
    #[value(name = "onetrust")]
    OneTrust,
    #[value(name = "okta")]
    Okta,
}

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

impl Integration {
    pub fn id(self) -> &'static str {
        match self {
            Integration::OneTrust => "onetrust",
            Integration::Okta => "okta",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Integration::OneTrust => "OneTrust",
            Integration::Okta => "Okta",
        }
    }

    pub fn example_host(self) -> &'static str {
        match self {
            Integration::OneTrust => "acme.my.onetrust.com",
            Integration::Okta => "company.okta.com",
        }
    }

    /// Vendor rules on top of the generic hostname checks. Unknown domains are warned about,
    /// not refused: tenants can sit behind custom domains.
    pub(crate) fn check_host(
        self,
        host: &mut String,
        notes: &mut Vec<Note>,
    ) -> Result<(), HostError> {
        match self {
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
                let okta_domains = [
                    ".okta.com",
                    ".oktapreview.com",
                    ".okta-emea.com",
                    ".okta-gov.com",
                ];
                let known = okta_domains.iter().any(|s| host.ends_with(s));
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
                let name = host.as_str();
                if !known {
                    notes.push(Note::Warning(format!(
                        "{name} is not an okta.com host; fine for a custom domain, otherwise check it"
                    )));
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for Integration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

impl FromStr for Integration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "onetrust" => Ok(Integration::OneTrust),
            "okta" => Ok(Integration::Okta),
            other => Err(format!(
                "unknown integration \"{other}\" (onetrust or okta)"
            )),
        }
    }
}
