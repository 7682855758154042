/*
 * The GraphQL IDE page's script (served by gateway/http/graphql-ide.page.ts after the graphql-ws
 * and GraphiQL bundles): renders GraphiQL with a fetcher that sends
 * - queries and mutations with fetch (POST, JSON) and the headers of GraphiQL's headers editor;
 * - subscriptions over graphql-ws, with the `Authorization` header in `connectionParams`
 *   (one socket per distinct header value).
 * When the headers editor has no `Authorization`, the development token picked in the bar above
 * the editor is used (the bar shows only when the gateway offers development tokens).
 */
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('ide-config').textContent);
  var endpoint = new URL(config.graphqlPath, window.location.href);
  var wsEndpoint = new URL(endpoint.href);
  wsEndpoint.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

  window.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) {
      return config.workerPrefix + label + '.js';
    },
  };

  var select = document.getElementById('ide-token');
  if (config.devTokens.length > 0) {
    config.devTokens.forEach(function (t, i) {
      var option = document.createElement('option');
      option.value = String(i);
      option.textContent = t.label + ' (' + t.description + ')';
      select.appendChild(option);
    });
    var none = document.createElement('option');
    none.value = '';
    none.textContent = 'none';
    select.appendChild(none);
    document.getElementById('ide-bar').hidden = false;
    document.getElementById('ide-token-copy').addEventListener('click', function () {
      var token = selectedToken();
      if (token) void navigator.clipboard.writeText(JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2));
    });
  }

  function selectedToken() {
    var t = select.value === '' ? undefined : config.devTokens[Number(select.value)];
    return t ? t.token : undefined;
  }

  /** The Authorization header: the headers editor's, else the picked development token's. */
  function authorization(headers) {
    var names = Object.keys(headers || {});
    for (var i = 0; i < names.length; i++) if (names[i].toLowerCase() === 'authorization') return String(headers[names[i]]);
    var token = selectedToken();
    return token ? 'Bearer ' + token : undefined;
  }

  function operationType(params, documentAST) {
    var definitions = (documentAST && documentAST.definitions) || [];
    var operations = definitions.filter(function (d) {
      return d.kind === 'OperationDefinition';
    });
    var op = operations.find(function (d) {
      return params.operationName ? d.name && d.name.value === params.operationName : true;
    });
    if (op) return op.operation;
    return /^\s*subscription\b/.test(params.query) ? 'subscription' : 'query';
  }

  var sockets = new Map();
  function socketFor(auth) {
    var key = auth || '';
    if (!sockets.has(key)) {
      sockets.set(
        key,
        window.graphqlWs.createClient({
          url: wsEndpoint.href,
          connectionParams: auth ? { authorization: auth } : {},
          lazy: true,
          retryAttempts: 3,
        }),
      );
    }
    return sockets.get(key);
  }

  function fetcher(params, opts) {
    var headers = Object.assign({}, (opts && opts.headers) || {});
    var auth = authorization(headers);
    var request = { query: params.query, variables: params.variables || undefined, operationName: params.operationName || undefined };
    if (operationType(params, opts && opts.documentAST) === 'subscription') return socketFor(auth).iterate(request);
    Object.keys(headers).forEach(function (name) {
      if (name.toLowerCase() === 'authorization') delete headers[name];
    });
    if (auth) headers.authorization = auth;
    headers['content-type'] = 'application/json';
    headers.accept = 'application/graphql-response+json, application/json';
    return fetch(endpoint.href, { method: 'POST', headers: headers, body: JSON.stringify(request) }).then(function (res) {
      return res.json();
    });
  }

  window.YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), {
    fetcher: fetcher,
    title: 'Tenant supergraph',
    defaultQuery:
      '# Pick a development token above (or set an Authorization header below), then run:\n' +
      '{\n  me { email tenant { name } }\n  products(first: 3) { edges { node { name stock price { amount currency } } } }\n}\n',
    shouldPersistHeaders: false,
  });
})();
