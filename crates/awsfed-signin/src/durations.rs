//! Duration negotiation: ask for the configured session length; when STS says the role's maximum
//! is lower, step down and retry, and remember what worked for that role so the next sign-in asks
//! for it at once. A role's MaxSessionDuration is 3,600–43,200 s ("Update the maximum session
//! duration for a role", IAM User Guide); 900 s is the shortest session STS gives.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

const STEPS: [u32; 7] = [43_200, 28_800, 14_400, 7_200, 3_600, 1_800, 900];

/// The next shorter length to try after `refused`, if any.
pub fn step_down(refused: u32) -> Option<u32> {
    STEPS.iter().copied().find(|&step| step < refused)
}

/// Per role ARN, the longest duration known to work. Stored in the cache folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationMemory {
    pub roles: BTreeMap<String, u32>,
}

impl DurationMemory {
    /// What to ask for first: the configured length, capped by what the role is known to allow.
    pub fn first_request(&self, role_arn: &str, configured: u32) -> u32 {
        self.roles
            .get(role_arn)
            .map_or(configured, |&known| known.min(configured))
    }

    /// Returns true when this changed what is remembered.
    pub fn remember(&mut self, role_arn: &str, worked: u32, configured: u32) -> bool {
        if worked >= configured {
            return self.roles.remove(role_arn).is_some();
        }
        self.roles.insert(role_arn.to_owned(), worked) != Some(worked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_go_down_to_fifteen_minutes() {
        assert_eq!(step_down(43_200), Some(28_800));
        assert_eq!(step_down(10_000), Some(7_200));
        assert_eq!(step_down(3_600), Some(1_800));
        assert_eq!(step_down(900), None);
    }

    #[test]
    fn memory_caps_the_first_request() {
        let mut memory = DurationMemory::default();
        assert_eq!(memory.first_request("r", 28_800), 28_800);
        assert!(memory.remember("r", 7_200, 28_800));
        assert_eq!(memory.first_request("r", 28_800), 7_200);
        assert_eq!(memory.first_request("r", 3_600), 3_600);
        assert!(!memory.remember("r", 7_200, 28_800));
        assert!(memory.remember("r", 28_800, 28_800));
        assert!(memory.roles.is_empty());
    }
}
