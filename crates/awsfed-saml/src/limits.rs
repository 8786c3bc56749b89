//! Bounds on untrusted input, checked before and while parsing.

/// The resource bounds applied to one SAML Response.
///
/// The defaults are far above anything an IdP sends (real responses are 3–20 KB, about
/// 100–400 XML nodes, 10 levels deep, under 15 attributes per element) and far below what would hurt a laptop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input accepted, in bytes, before any decoding. STS itself refuses a
    /// `SAMLAssertion` over 100,000 characters (see [`crate::STS_MAX_ASSERTION_CHARS`]);
    /// the default of 1 MiB is ten times that so `awsfed saml inspect` can still show an
    /// oversized response and say why STS would refuse it, while bounding the memory
    /// roxmltree allocates (a node per element, attribute run and text run).
    pub max_input_bytes: usize,
    /// Largest number of XML nodes (roxmltree's own `nodes_limit`).
    pub max_nodes: u32,
    /// Deepest element nesting. roxmltree has no such knob, so the crate walks the tree
    /// itself right after parsing and before reading anything from it.
    pub max_depth: usize,
    /// Most attributes (namespace declarations included) on one element. roxmltree checks
    /// each new attribute against every earlier one of its element, so an element with
    /// tens of thousands of attributes takes seconds; the crate counts them in a linear
    /// scan before parsing.
    pub max_attributes_per_element: usize,
}

impl Limits {
    /// 1 MiB of input.
    pub const DEFAULT_MAX_INPUT_BYTES: usize = 1024 * 1024;
    /// 50,000 nodes.
    pub const DEFAULT_MAX_NODES: u32 = 50_000;
    /// 64 levels.
    pub const DEFAULT_MAX_DEPTH: usize = 64;
    /// 64 attributes (real SAML elements carry fewer than 15).
    pub const DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT: usize = 64;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: Self::DEFAULT_MAX_INPUT_BYTES,
            max_nodes: Self::DEFAULT_MAX_NODES,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_attributes_per_element: Self::DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT,
        }
    }
}
