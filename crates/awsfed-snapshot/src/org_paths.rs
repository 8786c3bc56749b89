//! Organizations entity paths (`o-ORG/r-ROOT/ou-A/ou-B/`), as the `aws:ResourceOrgPaths` and
//! `aws:PrincipalOrgPaths` condition keys hold them ("AWS global condition context keys", IAM User
//! Guide): the organisation id, the root id and each OU id from the root down, each followed by `/`.

use std::collections::{BTreeMap, HashMap};

use awsfed_compile::OrganizationPaths;

use crate::OrganizationSnapshot;

impl OrganizationSnapshot {
    /// The entity path of every OU (by its path of names) and of every account's parent (by
    /// account id). An OU whose parents do not lead to the root (a partial read) has none.
    pub fn entity_paths(&self) -> OrganizationPaths {
        let parents: HashMap<&str, &str> = self
            .ous
            .iter()
            .map(|ou| (ou.id.as_str(), ou.parent_id.as_str()))
            .collect();
        let path_of = |start: &str| -> Option<String> {
            let mut ids = vec![start];
            let mut at = start;
            while at != self.root_id {
                at = parents.get(at)?;
                if ids.contains(&at) || ids.len() > parents.len() + 1 {
                    return None;
                }
                ids.push(at);
            }
            let mut path = format!("{}/", self.id);
            for id in ids.iter().rev() {
                path.push_str(id);
                path.push('/');
            }
            Some(path)
        };
        let ous: BTreeMap<String, String> = self
            .ous
            .iter()
            .filter_map(|ou| path_of(&ou.id).map(|p| (ou.path.clone(), p)))
            .collect();
        let accounts = self
            .accounts
            .iter()
            .filter_map(|a| path_of(&a.parent_id).map(|p| (a.id.clone(), p)))
            .collect();
        OrganizationPaths { ous, accounts }
    }
}

#[cfg(test)]
mod tests {
    use crate::{OrgAccountSnapshot, OrganizationSnapshot, OuSnapshot, SNAPSHOT_FORMAT};

    fn ou(id: &str, parent: &str, path: &str) -> OuSnapshot {
        OuSnapshot {
            id: id.into(),
            name: path.rsplit('/').next().unwrap().into(),
            parent_id: parent.into(),
            path: path.into(),
        }
    }

    fn account(id: &str, parent: &str) -> OrgAccountSnapshot {
        OrgAccountSnapshot {
            id: id.into(),
            name: id.into(),
            email: None,
            status: "ACTIVE".into(),
            parent_id: parent.into(),
            tags: Default::default(),
        }
    }

    #[test]
    fn paths_run_from_the_organisation_through_the_root_to_the_parent() {
        let org = OrganizationSnapshot {
            format: SNAPSHOT_FORMAT,
            id: "o-abcdefghij".into(),
            management_account_id: "111111111111".into(),
            root_id: "r-ab12".into(),
            ous: vec![
                ou("ou-ab12-11111111", "r-ab12", "Workloads"),
                ou("ou-ab12-22222222", "ou-ab12-11111111", "Workloads/Dev"),
                ou("ou-ab12-33333333", "ou-ab12-99999999", "Orphan"),
            ],
            accounts: vec![
                account("111111111111", "r-ab12"),
                account("222222222222", "ou-ab12-22222222"),
                account("333333333333", "ou-ab12-33333333"),
            ],
            policies: Vec::new(),
        };
        let paths = org.entity_paths();
        assert_eq!(
            paths.ous["Workloads/Dev"],
            "o-abcdefghij/r-ab12/ou-ab12-11111111/ou-ab12-22222222/"
        );
        assert_eq!(paths.accounts["111111111111"], "o-abcdefghij/r-ab12/");
        assert_eq!(
            paths.accounts["222222222222"],
            "o-abcdefghij/r-ab12/ou-ab12-11111111/ou-ab12-22222222/"
        );
        // A parent that does not lead to the root gives no path (never a wrong one).
        assert!(!paths.ous.contains_key("Orphan"));
        assert!(!paths.accounts.contains_key("333333333333"));
    }
}
