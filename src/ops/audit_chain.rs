//! Checking the audit chain: from the latest signed checkpoint (or the
//! start), every row's place, previous hash, canonical bytes and hash; the
//! head must be the last row. The first break is named.

use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::db::audit::{self, ChainRow};
use crate::domain::seal::{Seal, checkpoint_message};

/// Where the chain breaks.
#[derive(Debug, PartialEq, Eq)]
pub struct Break {
    /// The row's id, if a row is at fault (none: the head or the checkpoint).
    pub id: Option<i64>,
    /// The place in the chain where it breaks.
    pub seq: i64,
    /// Why, in English (operators' tool).
    pub why: &'static str,
}

/// What a verification found.
#[derive(Debug)]
pub struct ChainReport {
    /// Rows checked.
    pub rows: i64,
    /// The checkpoint it started from, if the purge removed rows.
    pub from_checkpoint: Option<i64>,
    /// The first break, if any.
    pub first_break: Option<Break>,
}

/// The canonical bytes of a row, as the database trigger writes them.
pub fn canonical(r: &ChainRow) -> String {
    let opt = |u: Option<uuid::Uuid>| u.map(|u| u.to_string()).unwrap_or_default();
    format!(
        "v1|{}|{}|{}|{}|{}|{}|{}",
        r.chain_seq,
        r.at.timestamp_micros(),
        opt(r.actor_id),
        r.action,
        r.record_type,
        opt(r.record_id),
        r.result
    )
}

fn check_row(r: &ChainRow, seq: i64, prev: &[u8]) -> Option<&'static str> {
    if r.chain_seq != seq {
        Some("rows are missing before this one")
    } else if r.prev_hash != prev {
        Some("its previous hash is not the previous row's hash")
    } else if r.canonical != canonical(r) {
        Some("its fields differ from the bytes it was hashed with")
    } else if r.hash
        != Sha256::new()
            .chain_update(prev)
            .chain_update(r.canonical.as_bytes())
            .finalize()
            .as_slice()
    {
        Some("its hash does not match its bytes")
    } else {
        None
    }
}

/// Recomputes the whole chain (pages of 5,000 rows).
pub async fn verify(pool: &PgPool, seal: &Seal) -> anyhow::Result<ChainReport> {
    let (mut seq, mut prev, from_checkpoint) = match audit::latest_checkpoint(pool).await? {
        Some(cp) => {
            let report = |why| ChainReport {
                rows: 0,
                from_checkpoint: Some(cp.up_to_seq),
                first_break: Some(Break {
                    id: None,
                    seq: cp.up_to_seq,
                    why,
                }),
            };
            if !seal.verifies(&checkpoint_message(cp.up_to_seq, &cp.hash), &cp.signature) {
                return Ok(report(
                    "the purge checkpoint's signature is not this installation's",
                ));
            }
            (cp.up_to_seq + 1, cp.hash, Some(cp.up_to_seq))
        }
        None => (1, vec![0; 32], None),
    };
    let mut rows = 0;
    loop {
        let page = audit::chain_page(pool, seq, 5000).await?;
        let Some(last) = page.last().map(|r| r.chain_seq) else {
            break;
        };
        for r in &page {
            if let Some(why) = check_row(r, seq, &prev) {
                let first_break = Some(Break {
                    id: Some(r.id),
                    seq,
                    why,
                });
                return Ok(ChainReport {
                    rows,
                    from_checkpoint,
                    first_break,
                });
            }
            rows += 1;
            seq += 1;
            prev = r.hash.clone();
        }
        debug_assert_eq!(last + 1, seq);
    }
    let (head_seq, head_hash) = audit::head(pool).await?;
    let first_break = (head_seq != seq - 1 || head_hash != prev).then_some(Break {
        id: None,
        seq,
        why: "the last rows of the chain are missing",
    });
    Ok(ChainReport {
        rows,
        from_checkpoint,
        first_break,
    })
}
