//! The team table's search, role filter, sort and page, kept in the URL
//! (`/team?q=ada&role=admin&sort=email&desc=true&page=3`), so a reload, Back
//! and a shared link keep them.
use crate::domain::team::TeamSort;
use crate::urls::query_value;
use leptos::Params;
use leptos_router::params::Params;

#[derive(Params, Clone, Debug, Default, PartialEq)]
pub struct TeamFilters {
    pub q: Option<String>,
    pub role: Option<String>,
    pub sort: Option<String>,
    pub desc: Option<bool>,
    /// From 1, as people count pages.
    pub page: Option<u64>,
}

impl TeamFilters {
    pub fn search(&self) -> String {
        self.q.clone().unwrap_or_default()
    }

    pub fn role(&self) -> String {
        self.role.clone().unwrap_or_default()
    }

    pub fn sort(&self) -> TeamSort {
        TeamSort::parse(self.sort.as_deref().unwrap_or(""))
    }

    pub fn descending(&self) -> bool {
        self.desc.unwrap_or(false)
    }

    /// The page index the server counts from 0.
    pub fn page_index(&self) -> u64 {
        self.page.unwrap_or(1).saturating_sub(1)
    }

    /// The same filters on another page (from 0).
    pub fn on_page(&self, index: u64) -> Self {
        Self { page: (index > 0).then_some(index + 1), ..self.clone() }
    }

    /// The team page at `base` (`/o/<org>/team`) with these filters, leaving out what is at its default.
    pub fn href(&self, base: &str) -> String {
        let mut parts = Vec::new();
        if let Some(q) = self.q.as_deref().filter(|q| !q.is_empty()) {
            parts.push(format!("q={}", query_value(q)));
        }
        if let Some(role) = self.role.as_deref().filter(|r| !r.is_empty()) {
            parts.push(format!("role={}", query_value(role)));
        }
        if self.sort() != TeamSort::Name {
            parts.push(format!("sort={}", self.sort().as_str()));
        }
        if self.descending() {
            parts.push("desc=true".into());
        }
        if self.page_index() > 0 {
            parts.push(format!("page={}", self.page_index() + 1));
        }
        if parts.is_empty() { base.into() } else { format!("{base}?{}", parts.join("&")) }
    }
}
