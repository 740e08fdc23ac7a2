//! A key pair made in the wizard, held in memory until the profile is saved: made on a task
//! (`Effect::GenerateKey`, RSA takes a moment), never drawn — only its public half is.

use std::sync::atomic::{AtomicU64, Ordering};

use ploy_core::keys::{Generated, KeyType};

pub enum Made {
    None,
    Making { generation: u64 },
    Ready(Box<Generated>),
    Failed(String),
}

/// Unique across the session, so a late answer lands only where it was asked for.
static GENERATION: AtomicU64 = AtomicU64::new(1);

impl Made {
    /// Starts making a key if none is made or being made; the generation to ask with.
    pub fn start(&mut self) -> Option<u64> {
        match self {
            Made::None | Made::Failed(_) => {
                let generation = GENERATION.fetch_add(1, Ordering::Relaxed);
                *self = Made::Making { generation };
                Some(generation)
            }
            _ => None,
        }
    }

    /// The answer for `generation`; others are stale and dropped.
    pub fn done(&mut self, generation: u64, result: Result<Box<Generated>, String>) {
        if matches!(self, Made::Making { generation: g } if *g == generation) {
            *self = match result {
                Ok(g) => Made::Ready(g),
                Err(e) => Made::Failed(e),
            };
        }
    }

    pub fn ready(&self) -> Option<&Generated> {
        match self {
            Made::Ready(g) => Some(g),
            _ => None,
        }
    }

    pub fn public(&self) -> Option<&serde_json::Value> {
        self.ready().map(|g| &g.public_jwk)
    }
}

/// The kind of key the TUI makes: what Okta itself makes.
pub const KIND: KeyType = KeyType::Rsa2048;
