/*
 * Starts Swagger UI on the API's OpenAPI document: the documentation page's own script, served as a file from
 * /v1/docs/assets/ (the page's Content-Security-Policy allows no inline script). Runs in the browser.
 */
/* global SwaggerUIBundle */
SwaggerUIBundle({
  url: '/v1/openapi.json',
  dom_id: '#swagger-ui',
  // Links to an operation (#/trajectories/startTrajectory) work.
  deepLinking: true,
  // No badge from the online validator: nothing is fetched from elsewhere.
  validatorUrl: null,
  // Every operation listed, its fields shown three levels deep.
  docExpansion: 'list',
  defaultModelExpandDepth: 3,
  defaultModelsExpandDepth: 0,
  // The roles that may call an operation (`x-roles`).
  showExtensions: true,
  showCommonExtensions: true,
  filter: true,
  displayRequestDuration: true,
});
