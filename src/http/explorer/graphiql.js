// GraphiQL, served entirely by the gateway (no CDN). Cookies are sent with each request
// (same origin), and every request carries the header Apollo's CSRF protection asks for.
(function () {
  var fetcher = function (params, options) {
    var headers = Object.assign({ 'content-type': 'application/json', 'apollo-require-preflight': 'true' }, (options && options.headers) || {});
    return fetch('/graphql', { method: 'POST', credentials: 'same-origin', headers: headers, body: JSON.stringify(params) }).then(function (res) {
      return res.json();
    });
  };
  var lines = function () {
    return Array.prototype.slice.call(arguments).join('\n') + '\n';
  };
  var CREDENTIALS = [
    '# Credentials: this page sends the cookies of this site (REST /auth/login and',
    '# /v1/customer-auth/verify set HttpOnly cookies), or put a header in the Headers tab:',
    '#   { "Authorization": "Bearer <access token>" }   operators and customers',
    '#   { "X-Api-Key": "hck_..." }                      a tenant integration',
    '# A header wins over a cookie. The examples use the demo tenant (`hydracore demo`).',
  ];
  // One tab per area (GraphiQL `defaultTabs`); each runs against the demo tenant.
  var tabs = [
    {
      query: lines.apply(null, ['# Operators: sign in, see who you are, rotate and end the session.'].concat(CREDENTIALS, [
        '',
        'mutation SignIn($email: String!, $password: String!) {',
        '  login(input: { email: $email, password: $password }) { accessToken refreshToken expiresIn emailVerified }',
        '}',
        '',
        'query Me {',
        '  me { id email emailVerified isAdmin tenants { slug name role } }',
        '}',
        '',
        'mutation Refresh($refreshToken: String!) {',
        '  refresh(input: { refreshToken: $refreshToken }) { accessToken refreshToken }',
        '}',
      ])),
      variables: JSON.stringify({ email: 'admin@example.com', password: 'correct horse battery staple', refreshToken: '' }, null, 2),
    },
    {
      query: lines.apply(null, ['# Customer portal: a 6-digit code by mail, then portal tokens (sign in with the code).'].concat(CREDENTIALS, [
        '',
        'mutation SendCode($email: String!) {',
        '  customerLogin(input: { email: $email, tenantSlug: "demo" })',
        '}',
        '',
        'mutation SignInWithCode($email: String!, $code: String!) {',
        '  customerVerify(input: { email: $email, code: $code, tenantSlug: "demo" }) { accessToken refreshToken customerId }',
        '}',
        '',
        'query Portal {',
        '  portalMe { email companyName plan status siteUrl }',
        '}',
      ])),
      variables: JSON.stringify({ email: 'customer@example.com', code: '000000' }, null, 2),
    },
    {
      query: lines(
        '# Public signup: the price list, a signup placed on a shared node, and its confirmation.',
        '# No credentials needed.',
        '',
        'query Plans {',
        '  publicPlans(tenantSlug: "demo") { name price features }',
        '}',
        '',
        'mutation SignUp($email: String!) {',
        '  signup(input: { companyName: "Acme Widgets", email: $email, plan: "starter", tenantSlug: "demo" }) { customerId siteUrl message }',
        '}',
        '',
        'mutation Confirm($email: String!, $code: String!) {',
        '  signupVerify(input: { email: $email, code: $code, tenantSlug: "demo" }) { accessToken customerId }',
        '}',
      ),
      variables: JSON.stringify({ email: 'new-customer@example.com', code: '000000' }, null, 2),
    },
    {
      query: lines.apply(null, ['# Tenancy administration: owners and admins of a tenant (or its API key).'].concat(CREDENTIALS, [
        '',
        'query Customers {',
        '  customers(input: { tenantSlug: "demo", first: 20 }) { nodes { email companyName status siteUrl } endCursor hasNextPage }',
        '}',
        '',
        'query Sites {',
        '  instances(tenantSlug: "demo") { slug siteUrl status }',
        '  sharedNodes { hostname used capacity }',
        '}',
        '',
        'query People {',
        '  members(tenantSlug: "demo") { email role }',
        '}',
      ])),
    },
  ];
  // /graphiql?query=... opens with that operation (links from docs and tests).
  var initial = new URLSearchParams(window.location.search).get('query');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: initial ? [{ query: initial }] : tabs,
      query: initial || undefined,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      storage: initial ? undefined : window.sessionStorage,
    }),
  );
})();
