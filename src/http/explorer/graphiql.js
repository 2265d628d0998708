// GraphiQL, served entirely by the gateway (no CDN). Cookies are sent with each request
// (same origin), and every request carries the header Apollo's CSRF protection asks for.
(function () {
  var fetcher = function (params, options) {
    var headers = Object.assign({ 'content-type': 'application/json', 'apollo-require-preflight': 'true' }, (options && options.headers) || {});
    return fetch('/graphql', { method: 'POST', credentials: 'same-origin', headers: headers, body: JSON.stringify(params) }).then(function (res) {
      return res.json();
    });
  };
  var defaultQuery = [
    '# Welcome to the HydraCore identity gateway.',
    '#',
    '# Public queries need no credentials. For the others, sign in (REST /auth/login sets an',
    '# HttpOnly cookie this page sends), or add a header in the Headers tab:',
    '#   { "Authorization": "Bearer <access token>" }',
    '',
    'query Plans {',
    '  publicPlans(tenantSlug: "demo") {',
    '    name',
    '    price',
    '    features',
    '  }',
    '}',
    '',
  ].join('\n');
  // /graphiql?query=... opens with that operation (links from docs and tests).
  var initial = new URLSearchParams(window.location.search).get('query');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      query: initial || undefined,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }),
  );
})();
