// The query page's YASGUI, prefilled with the examples the page lists. A static file, not an
// inline script, so the Content-Security-Policy can forbid inline scripts on every page.
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  var examples = JSON.parse(document.getElementById("examples").textContent);
  var endpoint = new URL(holder.dataset.endpoint, window.location.href).href;
  Yasgui.Yasqe.defaults.value = examples[0];
  // Only completions from the query itself: the others fetch prefix.cc and LOV, outside sites
  // the page may not reach (connect-src 'self') and should not tell what a visitor types.
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  var yasgui = new Yasgui(holder, {
    requestConfig: { endpoint: endpoint, method: "GET" },
    copyEndpointOnNewTab: false,
    persistenceId: null,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } }
  });
  window.idmgraphYasgui = yasgui;
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      var tab = yasgui.getTab();
      tab.setQuery(examples[Number(button.dataset.index)]);
      tab.query();
    });
  });
})();
