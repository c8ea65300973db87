//! The audit log: who changed what in an organization, before and after.
//!
//! Each organization's entries form a hash chain. Entry n stores the hash of
//! entry n-1 and its own hash, the SHA-256 of that previous hash and its own
//! canonical content; the organization row keeps the newest number and hash.
//! A changed entry no longer matches its hash, a removed one leaves a gap in
//! the numbers, an inserted one breaks the numbering or the link, and a cut
//! end no longer meets the organization's head. `verify` names the first.
use crate::domain::User;
use crate::domain::audit::{AuditAction, AuditChain, AuditEntry as Entry};
use crate::error::{AppError, AppResult};
use crate::server::audit_key::{self, AuditKey};
use crate::server::entities::{audit_entry, organization};
use chrono::{SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait, IsolationLevel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionOptions, TransactionTrait,
};
use serde_json::Value;

/// The content an entry's hash covers, in one fixed serialisation. Times are
/// cut to milliseconds before they are stored, so every engine returns
/// exactly what was hashed. `actor_id` is left out: it is cleared when a user
/// is deleted, while `actor_name` is the entry's own record of who it was.
fn canonical(e: &audit_entry::Model) -> String {
    serde_json::json!([
        "plinth-audit-v1",
        e.org_id,
        e.seq,
        e.actor_name,
        e.action,
        e.target,
        e.before,
        e.after,
        e.created_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    ])
    .to_string()
}

/// An entry's hash as sealed: plain SHA-256 (`key_id` empty), else
/// HMAC-SHA-256 under the key `key_id` names, which must be `key`.
fn chain_hash(prev_hash: &str, e: &audit_entry::Model, key: Option<&AuditKey>) -> Result<String, String> {
    match key {
        _ if e.key_id.is_empty() => Ok(audit_key::seal_entry(None, prev_hash, &canonical(e))),
        Some(k) if k.id == e.key_id => Ok(audit_key::seal_entry(Some(k), prev_hash, &canonical(e))),
        Some(_) | None => Err(format!("entry #{} (id {}) was sealed with another audit key (fingerprint {}); verify with that key set", e.seq, e.id, e.key_id)),
    }
}

/// The organization row, locked (`repo::lock_org`), so concurrent writers
/// append one after another. Writers took it first already; asking again
/// in the same mode costs one read.
async fn lock_head(tx: &DatabaseTransaction, org_id: i64) -> AppResult<organization::Model> {
    crate::server::repo::lock_org(tx, org_id).await.map_err(|e| match e {
        AppError::NotFound(_) => AppError::internal(format!("audit entry for missing organization {org_id}")),
        other => other,
    })
}

/// One change to record: who did what to which target in an organization,
/// with the state before and after where there is one.
pub struct Change<'a> {
    pub org_id: i64,
    pub actor: &'a User,
    pub action: AuditAction,
    pub target: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Change<'a> {
    pub fn new(org_id: i64, actor: &'a User, action: AuditAction, target: impl Into<String>) -> Self {
        Self { org_id, actor, action, target: target.into(), before: None, after: None }
    }

    pub fn before(self, before: Value) -> Self {
        Self { before: Some(before), ..self }
    }

    pub fn after(self, after: Value) -> Self {
        Self { after: Some(after), ..self }
    }
}

/// Record one change; call it inside the transaction that makes the change.
pub async fn record(tx: &DatabaseTransaction, change: Change<'_>) -> AppResult<()> {
    let Change { org_id, actor, action, target, before, after } = change;
    let org = lock_head(tx, org_id).await?;
    let mut entry = audit_entry::Model {
        id: 0,
        org_id,
        actor_id: Some(actor.id.0),
        actor_name: actor.name.chars().take(100).collect(),
        action: action.as_str().to_string(),
        target: target.chars().take(300).collect(),
        before: before.map(|v| v.to_string()),
        after: after.map(|v| v.to_string()),
        created_at: Utc::now().trunc_subsecs(3),
        seq: org.audit_seq + 1,
        prev_hash: org.audit_head.clone(),
        hash: String::new(),
        key_id: String::new(),
    };
    let key = audit_key::current();
    entry.key_id = key.as_ref().map(|k| k.id.clone()).unwrap_or_default();
    entry.hash = audit_key::seal_entry(key.as_deref(), &entry.prev_hash, &canonical(&entry));
    append(tx, entry).await
}

async fn append(tx: &DatabaseTransaction, e: audit_entry::Model) -> AppResult<()> {
    let (seq, hash) = (e.seq, e.hash.clone());
    audit_entry::ActiveModel {
        org_id: Set(e.org_id),
        actor_id: Set(e.actor_id),
        actor_name: Set(e.actor_name),
        action: Set(e.action),
        target: Set(e.target),
        before: Set(e.before),
        after: Set(e.after),
        created_at: Set(e.created_at),
        seq: Set(e.seq),
        prev_hash: Set(e.prev_hash),
        hash: Set(e.hash),
        key_id: Set(e.key_id),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    organization::ActiveModel { id: Set(e.org_id), audit_seq: Set(seq), audit_head: Set(hash), ..Default::default() }.update(tx).await?;
    Ok(())
}

/// One page of an organization's entries, newest first, of one action or all.
pub async fn page(db: &impl ConnectionTrait, org_id: i64, action: Option<AuditAction>, page: u64, per_page: u64) -> AppResult<(Vec<Entry>, u64)> {
    let mut q = audit_entry::Entity::find().filter(audit_entry::Column::OrgId.eq(org_id));
    if let Some(action) = action {
        q = q.filter(audit_entry::Column::Action.eq(action.as_str()));
    }
    let q = q.order_by_desc(audit_entry::Column::Seq).order_by_desc(audit_entry::Column::Id);
    let pages = q.paginate(db, per_page);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(page).await?;
    Ok((
        rows.into_iter()
            .map(|r| Entry { id: r.id, actor: r.actor_name, action: r.action, target: r.target, before: r.before, after: r.after, at: r.created_at })
            .collect(),
        total,
    ))
}

/// An organization's entries from number `from` on, oldest first.
async fn in_chain_order(db: &impl ConnectionTrait, org_id: i64, from: i64) -> AppResult<Vec<audit_entry::Model>> {
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::OrgId.eq(org_id))
        .filter(audit_entry::Column::Seq.gte(from))
        .order_by_asc(audit_entry::Column::Seq)
        .order_by_asc(audit_entry::Column::Id)
        .all(db)
        .await?)
}

/// Walk one organization's whole chain, from the first entry to the head.
/// Read only: `plinth audit verify` must not change what it checks.
pub async fn verify(db: &DatabaseConnection, org_id: i64) -> AppResult<AuditChain> {
    walk(db, org_id, false).await
}

/// Walk only what came after the organization's checkpoint (all of it when
/// the checkpoint is missing or its seal does not hold), and move the
/// checkpoint to the head when it verifies: what the audit page runs on
/// every visit. Entries before the checkpoint are `verify`'s.
pub async fn verify_since_checkpoint(db: &DatabaseConnection, org_id: i64) -> AppResult<AuditChain> {
    walk(db, org_id, true).await
}

/// A checkpoint that may start a walk: sealed with the key in use now (a
/// `sha256:` seal only while there is no key; anyone can make one).
fn trusted_checkpoint(org: &organization::Model, key: Option<&AuditKey>) -> Option<(i64, String)> {
    let sealed = audit_key::seal_checkpoint(key, org.id, org.audit_checkpoint_seq, &org.audit_checkpoint_hash);
    (org.audit_checkpoint_seq > 0 && org.audit_checkpoint_seq <= org.audit_seq && sealed == org.audit_checkpoint_seal)
        .then(|| (org.audit_checkpoint_seq, org.audit_checkpoint_hash.clone()))
}

async fn walk(db: &DatabaseConnection, org_id: i64, from_checkpoint: bool) -> AppResult<AuditChain> {
    let key = audit_key::current();
    let key = key.as_deref();
    // The head and the entries in one snapshot, so a concurrent write cannot look like a cut.
    let isolation = (db.get_database_backend() == DbBackend::Postgres).then_some(IsolationLevel::RepeatableRead);
    let tx = db.begin_with_options(TransactionOptions { isolation_level: isolation, access_mode: None, sqlite_transaction_mode: None }).await?;
    let org = organization::Entity::find_by_id(org_id).one(&tx).await?.ok_or_else(|| AppError::NotFound("Organization".into()))?;
    let start = if from_checkpoint { trusted_checkpoint(&org, key) } else { None };
    let rows = in_chain_order(&tx, org_id, start.as_ref().map_or(1, |(seq, _)| *seq)).await?;
    tx.commit().await?;
    let mut chain = AuditChain {
        entries: u64::try_from(org.audit_seq).unwrap_or(0),
        head: org.audit_head.clone(),
        since: start.as_ref().map(|(seq, _)| *seq),
        key_id: key.map(|k| k.id.clone()),
        ..Default::default()
    };
    // A checkpoint that names the key in use but whose seal does not hold
    // was written by someone without the key.
    if let Some(k) = key
        && from_checkpoint
        && start.is_none()
        && org.audit_checkpoint_seal.starts_with(&format!("{}:", k.id))
    {
        return Ok(chain.broken(None, "the checkpoint was changed: its seal does not match the audit key".into()));
    }
    let mut rows = rows.iter().peekable();
    let (mut prev_hash, mut expected) = (String::new(), 1);
    if let Some((seq, hash)) = &start {
        // The checkpointed entry itself must still be what was checked.
        match rows.next() {
            Some(e) if e.seq == *seq && e.hash == *hash && chain_hash(&e.prev_hash, e, key).as_ref() == Ok(hash) => {
                (prev_hash, expected) = (hash.clone(), seq + 1)
            }
            found => {
                let at = found.map(|e| e.id);
                return Ok(chain.broken(at, format!("entry #{seq}, checked before, was changed or removed since")));
            }
        }
    }
    for e in rows {
        chain.checked += 1;
        if e.seq > org.audit_seq {
            return Ok(chain.broken(
                Some(e.id),
                format!("entry id {} was inserted: it claims number #{}, past the newest entry written (#{})", e.id, e.seq, org.audit_seq),
            ));
        }
        if e.seq > expected {
            return Ok(chain.broken(Some(e.id), format!("entry #{expected} was removed: the next entry found is #{} (id {})", e.seq, e.id)));
        }
        if e.seq < expected {
            return Ok(chain.broken(Some(e.id), format!("entry id {} was inserted: it claims number #{} where #{expected} was due", e.id, e.seq)));
        }
        if e.prev_hash != prev_hash {
            return Ok(chain.broken(Some(e.id), format!("entry #{} (id {}) does not follow the entry before it: one was replaced or inserted", e.seq, e.id)));
        }
        match chain_hash(&e.prev_hash, e, key) {
            Err(problem) => return Ok(chain.broken(Some(e.id), problem)),
            Ok(hash) if hash != e.hash => {
                return Ok(chain.broken(Some(e.id), format!("entry #{} (id {}) was changed or forged: its hash does not match its content", e.seq, e.id)));
            }
            Ok(_) => {}
        }
        if !e.key_id.is_empty() {
            chain.sealed_with_key += 1;
        } else if chain.sealed_with_key > 0 {
            // Plain entries are only ever written before a key is set.
            return Ok(chain.broken(
                Some(e.id),
                format!("entry #{} (id {}) has no key's seal, though entries before it do: it was rewritten without the key", e.seq, e.id),
            ));
        }
        prev_hash = e.hash.clone();
        expected += 1;
    }
    if org.audit_seq != expected - 1 || org.audit_head != prev_hash {
        return Ok(chain.broken(None, format!("the newest entries were removed: the log ends at #{} but #{} was written", expected - 1, org.audit_seq)));
    }
    if from_checkpoint && (org.audit_seq > org.audit_checkpoint_seq || start.is_none()) && org.audit_seq > 0 {
        // Verified up to here: the next visit starts from it. Only forward,
        // and only onto the head this walk saw.
        let seal = audit_key::seal_checkpoint(key, org_id, org.audit_seq, &org.audit_head);
        organization::Entity::update_many()
            .col_expr(organization::Column::AuditCheckpointSeq, Expr::value(org.audit_seq))
            .col_expr(organization::Column::AuditCheckpointHash, Expr::value(org.audit_head.clone()))
            .col_expr(organization::Column::AuditCheckpointSeal, Expr::value(seal))
            .filter(organization::Column::Id.eq(org_id))
            .filter(organization::Column::AuditSeq.gte(org.audit_seq))
            .exec(db)
            .await?;
    }
    Ok(chain)
}

/// Hash the entries written before the chain existed (the migration gave
/// them their numbers), oldest first. Runs at start-up; a no-op once done.
pub async fn seal_unchained(db: &DatabaseConnection) -> AppResult<u64> {
    let org_ids: Vec<i64> = audit_entry::Entity::find()
        .select_only()
        .column(audit_entry::Column::OrgId)
        .filter(audit_entry::Column::Hash.eq(""))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut sealed = 0;
    for org_id in org_ids {
        let tx = crate::server::db::begin_write(db).await?;
        let org = lock_head(&tx, org_id).await?;
        let rows = in_chain_order(&tx, org_id, 1).await?;
        // Only a log that was never chained is sealed. A chained log with
        // blanked hashes is tampering, which `verify` must report, not
        // something start-up may quietly bless.
        if org.audit_seq != 0 || !org.audit_head.is_empty() || rows.iter().any(|r| !r.hash.is_empty()) {
            tracing::warn!(org_id, "audit entries without a hash in a chained log: run `plinth audit verify`");
            continue;
        }
        let (mut prev, mut last_seq) = (String::new(), 0);
        for mut e in rows {
            if e.hash.is_empty() {
                e.created_at = e.created_at.trunc_subsecs(3);
                e.prev_hash = prev.clone();
                e.hash = audit_key::seal_entry(None, &prev, &canonical(&e));
                audit_entry::ActiveModel {
                    id: Set(e.id),
                    created_at: Set(e.created_at),
                    prev_hash: Set(e.prev_hash.clone()),
                    hash: Set(e.hash.clone()),
                    ..Default::default()
                }
                .update(&tx)
                .await?;
                sealed += 1;
            }
            prev = e.hash;
            last_seq = e.seq;
        }
        organization::ActiveModel { id: Set(org.id), audit_seq: Set(last_seq), audit_head: Set(prev), ..Default::default() }.update(&tx).await?;
        tx.commit().await?;
    }
    if sealed > 0 {
        tracing::info!(entries = sealed, "audit entries from before the hash chain were sealed");
    }
    Ok(sealed)
}
