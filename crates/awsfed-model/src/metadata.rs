//! Just enough of SAML 2.0 metadata to tell that a file is IdP metadata and to name its entity.
//! IAM itself validates the document when the provider is created or updated.

/// IAM accepts a SAML metadata document of 1,000 to 10,000,000 characters (CreateSAMLProvider).
pub const MIN_METADATA_CHARS: usize = 1_000;
pub const MAX_METADATA_CHARS: usize = 10_000_000;

/// The entity id of an IdP metadata document, or why it is not one.
pub fn idp_entity_id(document: &str) -> Result<String, String> {
    let chars = document.chars().count();
    if chars > MAX_METADATA_CHARS {
        return Err(format!(
            "it is {chars} characters; IAM accepts at most {MAX_METADATA_CHARS}"
        ));
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 200_000,
        ..roxmltree::ParsingOptions::default()
    };
    let xml = roxmltree::Document::parse_with_options(document, options)
        .map_err(|e| format!("it is not well-formed XML ({e})"))?;
    let root = xml.root_element();
    let descriptor = match root.tag_name().name() {
        "EntityDescriptor" => root,
        "EntitiesDescriptor" => root
            .descendants()
            .find(|n| n.tag_name().name() == "EntityDescriptor" && has_idp_descriptor(*n))
            .ok_or("its EntitiesDescriptor holds no IdP entity (IDPSSODescriptor)")?,
        other => {
            return Err(format!(
                "its root element is <{other}>, not a SAML metadata <EntityDescriptor>"
            ));
        }
    };
    if !has_idp_descriptor(descriptor) {
        return Err("it describes no identity provider (no IDPSSODescriptor element)".to_owned());
    }
    if chars < MIN_METADATA_CHARS {
        return Err(format!(
            "it is {chars} characters; IAM requires at least {MIN_METADATA_CHARS}, so the signing certificate is probably missing"
        ));
    }
    descriptor
        .attribute("entityID")
        .map(str::to_owned)
        .ok_or_else(|| "its EntityDescriptor has no entityID".to_owned())
}

fn has_idp_descriptor(node: roxmltree::Node) -> bool {
    node.children()
        .any(|c| c.tag_name().name() == "IDPSSODescriptor")
}
