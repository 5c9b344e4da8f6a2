// Starts the API reference with the configuration the Worker wrote into the page as JSON data,
// so that the page runs no inline script and its policy can be script-src 'self'.
const config = JSON.parse(document.getElementById('api-reference-config').textContent);
Scalar.createApiReference('#app', config);
