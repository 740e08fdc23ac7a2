//! The identity sources ploy-connect can connect: a leaf every other module may use.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Integration {
    OneTrust,
    Okta,
}

impl Integration {
    pub const ALL: [Integration; 2] = [Integration::OneTrust, Integration::Okta];

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

    /// What the keyring holds for a profile, in one word: a OneTrust secret, an Okta key.
    pub fn secret_noun(self) -> &'static str {
        match self {
            Integration::OneTrust => "secret",
            Integration::Okta => "key",
        }
    }

    pub fn example_host(self) -> &'static str {
        match self {
            Integration::OneTrust => "acme.my.onetrust.com",
            Integration::Okta => "company.okta.com",
        }
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
