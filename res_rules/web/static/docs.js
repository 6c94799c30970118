// Swagger UI on this server's OpenAPI document; loaded from a file, as the CSP allows no inline
// script. Swagger UI draws parameter inputs without labels: each gets its parameter's name.
"use strict";
window.addEventListener("load", function () {
  var target = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: target.getAttribute("data-openapi"),
    dom_id: "#swagger-ui",
    deepLinking: false,  // a deep link inside the summary button is a control inside a control
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
  var label = function () {
    target.querySelectorAll("tr[data-param-name]").forEach(function (row) {
      row.querySelectorAll("select, input, textarea").forEach(function (field) {
        if (!field.hasAttribute("aria-label")) {
          field.setAttribute("aria-label", row.getAttribute("data-param-name"));
        }
      });
    });
  };
  new MutationObserver(label).observe(target, { childList: true, subtree: true });
});
