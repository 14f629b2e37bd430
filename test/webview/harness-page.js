// Loaded before the webview bundle on the test page, with the page's nonce. It plays the part of
// VS Code inside the webview: it sets the theme's --vscode-* variables and body class through the
// CSSOM, as VS Code does, and defines acquireVsCodeApi, which records what the webview posts.
(function () {
  const script = document.currentScript;
  const theme = JSON.parse(script.dataset.theme);
  for (const [name, value] of Object.entries(theme.variables)) {
    document.documentElement.style.setProperty(name, value);
  }
  document.body.classList.add(theme.bodyClass);
  document.body.dataset.vscodeThemeKind = theme.themeKind;

  window.__posted = [];
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(`${event.violatedDirective}: ${event.blockedURI}`);
  });

  // VS Code keeps a webview's state while the panel lives, across reloads of its page. The
  // session storage of the test page does the same across page.reload().
  const stateKey = 'vscode-webview-state';
  let acquired = false;
  window.acquireVsCodeApi = function () {
    if (acquired) {
      throw new Error('acquireVsCodeApi was called twice; VS Code allows one call per page.');
    }
    acquired = true;
    return {
      postMessage: (message) => window.__posted.push(JSON.parse(JSON.stringify(message))),
      getState: () => JSON.parse(sessionStorage.getItem(stateKey) ?? 'null') ?? undefined,
      setState: (next) => {
        sessionStorage.setItem(stateKey, JSON.stringify(next));
        return next;
      },
    };
  };
  window.__getState = () => JSON.parse(sessionStorage.getItem(stateKey) ?? 'null');
})();
