//! A tower-sessions store in Plinth's own database, so sessions survive a
//! restart and work the same on SQLite and PostgreSQL.
use crate::server::entities::session;
use async_trait::async_trait;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

/// The session key that holds the signed-in user's id; mirrored into a column.
pub const USER_ID_KEY: &str = "user_id";

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// End every session of `user_id` except `keep` (the caller's own).
    pub async fn delete_user_sessions(&self, user_id: i64, keep: Option<Id>) -> Result<u64, sea_orm::DbErr> {
        let mut q = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
        if let Some(keep) = keep {
            q = q.filter(session::Column::Id.ne(keep.to_string()));
        }
        Ok(q.exec(&self.db).await?.rows_affected)
    }

    fn active_model(record: &Record) -> session_store::Result<session::ActiveModel> {
        let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let expires_at = chrono::DateTime::from_timestamp(record.expiry_date.unix_timestamp(), record.expiry_date.nanosecond())
            .ok_or_else(|| session_store::Error::Encode("expiry out of range".into()))?;
        Ok(session::ActiveModel {
            id: Set(record.id.to_string()),
            user_id: Set(record.data.get(USER_ID_KEY).and_then(|v| v.as_i64())),
            data: Set(data),
            expires_at: Set(expires_at),
        })
    }
}

fn backend(e: sea_orm::DbErr) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; on the rare collision draw a new one.
        loop {
            let exists = session::Entity::find_by_id(record.id.to_string()).one(&self.db).await.map_err(backend)?;
            if exists.is_none() {
                break;
            }
            record.id = Id::default();
        }
        session::Entity::insert(Self::active_model(record)?).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }

    /// Update only: a session deleted while a request was in flight (by
    /// sign-out or a password change) must stay deleted, not be written
    /// back by that request's end-of-request save.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let row = Self::active_model(record)?;
        session::Entity::update_many()
            .set(session::ActiveModel { id: sea_orm::ActiveValue::NotSet, ..row })
            .filter(session::Column::Id.eq(record.id.to_string()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = session::Entity::find_by_id(id.to_string()).filter(session::Column::ExpiresAt.gt(chrono::Utc::now())).one(&self.db).await.map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data = serde_json::from_str(&row.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp()).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(id.to_string()).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let n = session::Entity::delete_many().filter(session::Column::ExpiresAt.lte(chrono::Utc::now())).exec(&self.db).await.map_err(backend)?.rows_affected;
        if n > 0 {
            tracing::info!(removed = n, "expired sessions removed");
        }
        Ok(())
    }
}
