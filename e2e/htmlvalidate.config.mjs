// html-validate's configuration for e2e/html_test.go, which runs it over the
// portal's main pages. Rules come from three presets:
//   recommended — the HTML content model, attributes, ids, boolean and void
//                 element style, plus the accessibility rules below;
//   a11y        — WCAG techniques H30/H32/H36/H37/H63/H67/H71, labelled controls,
//                 valid autocomplete, unique landmarks, no redundant roles;
//   document    — rules for whole documents: every input has a label, heading
//                 levels do not skip, ids that aria-* and for= refer to exist,
//                 a doctype.
// Only rules that flag valid, deliberate HTML are relaxed, each with its reason.
export default {
  root: true,
  extends: ["html-validate:recommended", "html-validate:a11y", "html-validate:document"],
  rules: {
    // Subresource integrity guards files fetched from another origin. The
    // portal's only stylesheet is its own, same origin, at a content-hashed
    // URL, so SRI is required only on cross-origin resources.
    "require-sri": ["error", { target: "crossorigin" }],
    // Whitespace left by template actions at the ends of lines means nothing
    // in HTML; it is source style, not an error in the page.
    "no-trailing-whitespace": "off",
    // The application form repeats names on purpose (channel_type,
    // channel_url, coordinator_*): one row per channel or coordinator, read
    // back as multi-valued form fields. That is valid HTML; the rule expects
    // PHP-style "name[]" arrays.
    "form-dup-name": "off",
  },
};
