//! Organizations, their members, projects, groups, invitations and audit log.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from: (impl IntoIden, impl IntoIden), to: (impl IntoIden, impl IntoIden), on_delete: ForeignKeyAction) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(on_delete).to_owned()
}

fn unique(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table).unique();
    for c in cols {
        idx.col(c);
    }
    idx.to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(c);
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        m.create_table(
            Table::create()
                .table(Organizations::Table)
                .col(big_pk_auto(Organizations::Id))
                .col(string_len(Organizations::Name, 100))
                .col(string_len(Organizations::Kind, 20))
                .col(timestamp_with_time_zone(Organizations::CreatedAt))
                .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Memberships::Table)
                .col(big_pk_auto(Memberships::Id))
                .col(big_integer(Memberships::OrgId))
                .col(big_integer(Memberships::UserId))
                .col(string_len(Memberships::Role, 20))
                .col(big_integer_null(Memberships::InvitedBy))
                .col(timestamp_with_time_zone(Memberships::CreatedAt))
                .foreign_key(&mut fk((Memberships::Table, Memberships::OrgId), (Organizations::Table, Organizations::Id), Cascade))
                .foreign_key(&mut fk((Memberships::Table, Memberships::UserId), (Users::Table, Users::Id), Cascade))
                .foreign_key(&mut fk((Memberships::Table, Memberships::InvitedBy), (Users::Table, Users::Id), SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("ux_memberships_org_user", Memberships::Table, vec![Memberships::OrgId.into_iden(), Memberships::UserId.into_iden()])).await?;
        m.create_index(index("ix_memberships_user", Memberships::Table, vec![Memberships::UserId.into_iden()])).await?;
        m.create_index(index("ix_memberships_org_role", Memberships::Table, vec![Memberships::OrgId.into_iden(), Memberships::Role.into_iden()])).await?;

        m.create_table(
            Table::create()
                .table(ProjectGroups::Table)
                .col(big_pk_auto(ProjectGroups::Id))
                .col(big_integer(ProjectGroups::OrgId))
                .col(string_len(ProjectGroups::Name, 60))
                .col(timestamp_with_time_zone(ProjectGroups::CreatedAt))
                .foreign_key(&mut fk((ProjectGroups::Table, ProjectGroups::OrgId), (Organizations::Table, Organizations::Id), Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("ux_project_groups_org_name", ProjectGroups::Table, vec![ProjectGroups::OrgId.into_iden(), ProjectGroups::Name.into_iden()]))
            .await?;

        m.create_table(
            Table::create()
                .table(Projects::Table)
                .col(big_pk_auto(Projects::Id))
                .col(big_integer(Projects::OrgId))
                .col(string_len(Projects::Name, 60))
                .col(string_len(Projects::Slug, 60))
                .col(string_len(Projects::Description, 500))
                .col(string_len(Projects::Environment, 20))
                .col(big_integer_null(Projects::GroupId))
                .col(timestamp_with_time_zone(Projects::CreatedAt))
                .col(timestamp_with_time_zone(Projects::UpdatedAt))
                .foreign_key(&mut fk((Projects::Table, Projects::OrgId), (Organizations::Table, Organizations::Id), Cascade))
                .foreign_key(&mut fk((Projects::Table, Projects::GroupId), (ProjectGroups::Table, ProjectGroups::Id), SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("ux_projects_org_name", Projects::Table, vec![Projects::OrgId.into_iden(), Projects::Name.into_iden()])).await?;
        m.create_index(unique("ux_projects_org_slug", Projects::Table, vec![Projects::OrgId.into_iden(), Projects::Slug.into_iden()])).await?;

        m.create_table(
            Table::create()
                .table(ProjectMembers::Table)
                .col(big_pk_auto(ProjectMembers::Id))
                .col(big_integer(ProjectMembers::ProjectId))
                .col(big_integer(ProjectMembers::UserId))
                .col(string_len(ProjectMembers::Role, 20))
                .col(timestamp_with_time_zone(ProjectMembers::CreatedAt))
                .foreign_key(&mut fk((ProjectMembers::Table, ProjectMembers::ProjectId), (Projects::Table, Projects::Id), Cascade))
                .foreign_key(&mut fk((ProjectMembers::Table, ProjectMembers::UserId), (Users::Table, Users::Id), Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "ux_project_members_project_user",
            ProjectMembers::Table,
            vec![ProjectMembers::ProjectId.into_iden(), ProjectMembers::UserId.into_iden()],
        ))
        .await?;
        m.create_index(index("ix_project_members_user", ProjectMembers::Table, vec![ProjectMembers::UserId.into_iden()])).await?;

        m.create_table(
            Table::create()
                .table(Invitations::Table)
                .col(big_pk_auto(Invitations::Id))
                .col(big_integer(Invitations::OrgId))
                .col(string_len(Invitations::Email, 254))
                .col(string_len(Invitations::Role, 20))
                // JSON list of {project_id, role}, checked against the org when used.
                .col(text(Invitations::ProjectGrants))
                // SHA-256 of the token; the token itself is only in the link.
                .col(string_len_uniq(Invitations::TokenHash, 64))
                .col(big_integer_null(Invitations::InvitedBy))
                .col(timestamp_with_time_zone(Invitations::CreatedAt))
                .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                .col(timestamp_with_time_zone_null(Invitations::RevokedAt))
                .foreign_key(&mut fk((Invitations::Table, Invitations::OrgId), (Organizations::Table, Organizations::Id), Cascade))
                .foreign_key(&mut fk((Invitations::Table, Invitations::InvitedBy), (Users::Table, Users::Id), SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_invitations_org", Invitations::Table, vec![Invitations::OrgId.into_iden(), Invitations::Email.into_iden()])).await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Id))
                .col(big_integer(AuditLog::OrgId))
                .col(big_integer_null(AuditLog::ActorId))
                .col(string_len(AuditLog::ActorName, 100))
                .col(string_len(AuditLog::Action, 60))
                .col(string_len(AuditLog::Target, 300))
                .col(text_null(AuditLog::Before))
                .col(text_null(AuditLog::After))
                .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                .foreign_key(&mut fk((AuditLog::Table, AuditLog::OrgId), (Organizations::Table, Organizations::Id), Cascade))
                .foreign_key(&mut fk((AuditLog::Table, AuditLog::ActorId), (Users::Table, Users::Id), SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_audit_log_org_time", AuditLog::Table, vec![AuditLog::OrgId.into_iden(), AuditLog::CreatedAt.into_iden()])).await?;

        // The organization each user last worked in; cleared when it is deleted.
        m.alter_table(Table::alter().table(Users::Table).add_column(big_integer_null(UsersCurrentOrg::CurrentOrgId)).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Users::Table).drop_column(UsersCurrentOrg::CurrentOrgId).to_owned()).await?;
        for t in [
            AuditLog::Table.into_iden(),
            Invitations::Table.into_iden(),
            ProjectMembers::Table.into_iden(),
            Projects::Table.into_iden(),
            ProjectGroups::Table.into_iden(),
            Memberships::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum UsersCurrentOrg {
    CurrentOrgId,
}

#[derive(DeriveIden)]
pub enum Organizations {
    Table,
    Id,
    Name,
    Kind,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    OrgId,
    UserId,
    Role,
    InvitedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProjectGroups {
    Table,
    Id,
    OrgId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Projects {
    Table,
    Id,
    OrgId,
    Name,
    Slug,
    Description,
    Environment,
    GroupId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProjectMembers {
    Table,
    Id,
    ProjectId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    OrgId,
    Email,
    Role,
    ProjectGrants,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OrgId,
    ActorId,
    ActorName,
    Action,
    Target,
    Before,
    After,
    CreatedAt,
}
