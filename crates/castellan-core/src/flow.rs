//! The minimal flow reference the foundation needs (brands and providers point at flows);
//! the flow engine itself lives in `castellan-flows`.
use uuid::Uuid;

/// A flow's identity and designation.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRef {
    /// `flow_uuid`.
    pub flow_uuid: Uuid,
    /// Unique slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Title shown to users.
    pub title: String,
    /// Designation (`authentication`, `invalidation`, …).
    pub designation: String,
}
