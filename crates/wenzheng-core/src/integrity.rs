//! The tamper-evident history: each event stores the SHA-256 of the previous event's hash
//! and its own fields, so an edited, deleted or inserted event breaks the chain at its
//! position. Pure: the service feeds it the rows.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an event that its hash covers.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventFields {
    /// Position in the log.
    pub id: i64,
    /// The case concerned.
    pub case_id: Option<i64>,
    /// The acting user.
    pub actor_id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// What kind of change.
    pub kind: String,
    /// The Chinese summary.
    pub summary: String,
    /// Changed fields before, JSON text.
    pub before: Option<String>,
    /// Changed fields after, JSON text.
    pub after: Option<String>,
}

impl EventFields {
    /// The hash of this event chained to `prev_hash`, as lowercase hex.
    pub fn hash(&self, prev_hash: &str) -> String {
        // A JSON array is an unambiguous encoding of the fields (strings are escaped,
        // nulls are distinct from empty strings). It is written straight into the hasher:
        // a tuple serializes as the same compact array as `json!([...]).to_string()`,
        // without building a `Value` per event (the check at start hashes every event).
        let mut hasher = Sha256::new();
        serde_json::to_writer(
            &mut hasher,
            &(
                prev_hash,
                self.id,
                self.case_id,
                self.actor_id,
                &self.at,
                &self.kind,
                &self.summary,
                &self.before,
                &self.after,
            ),
        )
        .expect("writing JSON into a hasher cannot fail");
        format!("{:x}", hasher.finalize())
    }
}

/// A stored event: its fields and the two hashes kept with it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    /// The hashed fields.
    #[sqlx(flatten)]
    pub fields: EventFields,
    /// The hash of the event before it, as stored.
    pub prev_hash: String,
    /// Its own hash, as stored.
    pub hash: String,
}

/// Checks a log in id order, one event at a time (so a log of millions of events is
/// checked without holding it in memory): each break found is one Chinese line naming the
/// position (1-based) and id of the event where the chain breaks.
#[derive(Debug, Clone)]
pub struct ChainCheck {
    expected_prev: String,
    expected_id: i64,
    checked: usize,
    problems: Vec<String>,
}

impl Default for ChainCheck {
    fn default() -> Self {
        ChainCheck {
            expected_prev: GENESIS_HASH.to_string(),
            expected_id: 1,
            checked: 0,
            problems: Vec::new(),
        }
    }
}

impl ChainCheck {
    /// Checks the next event of the log.
    pub fn push(&mut self, e: &StoredEvent) {
        self.checked += 1;
        let pos = self.checked;
        let id = e.fields.id;
        let expected_id = self.expected_id;
        if id != expected_id {
            self.problems.push(format!(
                "第 {pos} 条事件的编号是 {id}，应为 {expected_id}：其前的事件被删除或插入"
            ));
        }
        if e.prev_hash != self.expected_prev {
            self.problems.push(format!(
                "第 {pos} 条事件（编号 {id}）与前一条事件接不上：其前的事件被删除、插入或修改"
            ));
        }
        if e.fields.hash(&e.prev_hash) != e.hash {
            self.problems
                .push(format!("第 {pos} 条事件（编号 {id}）的内容被修改"));
        }
        self.expected_prev.clone_from(&e.hash);
        self.expected_id = id + 1;
    }

    /// How many events were checked.
    pub fn checked(&self) -> usize {
        self.checked
    }

    /// The breaks found, in log order.
    pub fn finish(self) -> Vec<String> {
        self.problems
    }
}

/// Checks a whole log in id order (see [`ChainCheck`]).
pub fn check_chain(events: &[StoredEvent]) -> Vec<String> {
    let mut check = ChainCheck::default();
    for e in events {
        check.push(e);
    }
    check.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredEvent> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|id| {
                let fields = EventFields {
                    id,
                    case_id: Some(1),
                    actor_id: 1,
                    at: format!("2026-11-27T09:{id:02}:00+08:00"),
                    kind: "urge".into(),
                    summary: format!("催办 {id}"),
                    before: None,
                    after: Some("{}".into()),
                };
                let hash = fields.hash(&prev);
                let e = StoredEvent {
                    fields,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_has_no_problem() {
        assert!(check_chain(&chain(5)).is_empty());
        assert!(check_chain(&[]).is_empty());
    }

    #[test]
    fn an_edit_is_found_at_its_position() {
        let mut c = chain(5);
        c[2].fields.summary = "改过的".into();
        assert_eq!(check_chain(&c), ["第 3 条事件（编号 3）的内容被修改"]);
    }

    #[test]
    fn a_deletion_is_found_where_the_gap_is() {
        let mut c = chain(5);
        c.remove(1);
        let p = check_chain(&c);
        assert!(p[0].starts_with("第 2 条事件的编号是 3"), "{p:?}");
        assert!(p[1].contains("接不上"), "{p:?}");
    }

    #[test]
    fn an_insertion_with_a_recomputed_hash_still_breaks_the_next_link() {
        let mut c = chain(4);
        let mut forged = c[1].clone();
        forged.fields.summary = "伪造".into();
        forged.hash = forged.fields.hash(&forged.prev_hash);
        c[1] = forged;
        assert_eq!(
            check_chain(&c),
            ["第 3 条事件（编号 3）与前一条事件接不上：其前的事件被删除、插入或修改"]
        );
    }

    #[test]
    fn the_hash_is_the_sha256_of_the_json_array_of_the_fields() {
        let mut e = chain(2).remove(1).fields;
        e.summary = "引号\"、反斜杠\\、换行\n与 </script>".into();
        e.before = Some(r#"{"status":"assigned"}"#.into());
        let canonical = serde_json::json!([
            GENESIS_HASH,
            e.id,
            e.case_id,
            e.actor_id,
            e.at,
            e.kind,
            e.summary,
            e.before,
            e.after
        ])
        .to_string();
        let expected: String = Sha256::digest(canonical.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(e.hash(GENESIS_HASH), expected);
    }

    #[test]
    fn nulls_and_empty_strings_hash_differently() {
        let mut a = chain(1).remove(0).fields;
        let h1 = a.hash(GENESIS_HASH);
        a.before = Some(String::new());
        assert_ne!(a.hash(GENESIS_HASH), h1);
    }
}
