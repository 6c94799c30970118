// Swagger UI on this server's OpenAPI document; loaded from a file, as the CSP allows no inline script.
"use strict";
window.addEventListener("load", function () {
  var target = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: target.getAttribute("data-openapi"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
