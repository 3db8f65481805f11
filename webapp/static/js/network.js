// Draws a pyvis-built network with the vendored vis-network; expands nodes on click.
// Tooltips: the server escapes every value into the title HTML; here it becomes an element.
(function () {
  "use strict";
  var holder = document.getElementById("network");
  var dataEl = document.getElementById("network-data");
  if (!holder || !dataEl) { return; }
  var doc = JSON.parse(dataEl.textContent);
  var expandUrl = holder.getAttribute("data-expand-url");
  var personUrl = holder.getAttribute("data-person-url");
  var statusEl = document.getElementById("net-status");
  var hideBox = document.getElementById("hide-uncertain");
  var depth = document.getElementById("depth");
  if (depth) { depth.addEventListener("change", function () { depth.form.submit(); }); }

  function tip(item) {
    if (typeof item.title === "string") {
      var div = document.createElement("div");
      div.className = "net-tip";
      div.innerHTML = item.title;  // already escaped on the server
      item.titleHtml = item.title;
      item.title = div;
    }
    return item;
  }
  function hiddenFor(edge) { return !!(hideBox && hideBox.checked && edge.uncertain); }

  var nodes = new vis.DataSet(doc.nodes.map(tip));
  var edges = new vis.DataSet(doc.edges.map(function (e) { e = tip(e); e.hidden = hiddenFor(e); return e; }));
  var network = new vis.Network(holder, {nodes: nodes, edges: edges}, doc.options || {});
  var expanded = {};
  expanded[doc.centre] = true;
  window.residexNetwork = {nodes: nodes, edges: edges, network: network, doc: doc};
  network.once("stabilizationIterationsDone", function () { holder.setAttribute("data-ready", "1"); });
  setTimeout(function () { holder.setAttribute("data-ready", "1"); }, 1000);

  function say(text) { if (statusEl) { statusEl.textContent = text; } }

  function expand(id) {
    if (!expandUrl || expanded[id]) { return; }
    var n = nodes.get(id);
    if (!n || !n.expandable) { return; }
    expanded[id] = true;
    say("expanding…");
    fetch(expandUrl + "?node=" + encodeURIComponent(id), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (res) {
        if (!res.ok) { say(res.body.error ? res.body.error.message : "could not expand"); return; }
        var addN = res.body.nodes.filter(function (x) { return !nodes.get(x.id); }).map(tip);
        var addE = res.body.edges.filter(function (x) { return !edges.get(x.id); })
          .map(function (e) { e = tip(e); e.hidden = hiddenFor(e); return e; });
        nodes.add(addN.map(function (x) { x.centre = false; return x; }));
        edges.add(addE);
        var msg = "added " + addN.length + " nodes";
        if (res.body.capped && res.body.capped.length) {
          msg += " · " + res.body.capped.map(function (c) {
            return c.label + " has " + c.total + " links, showing " + c.shown;
          }).join("; ");
        }
        say(msg);
        holder.setAttribute("data-expanded", String(Object.keys(expanded).length));
      })
      .catch(function () { say("could not expand (network error)"); expanded[id] = false; });
  }

  network.on("click", function (p) { if (p.nodes.length) { expand(p.nodes[0]); } });
  network.on("doubleClick", function (p) {
    if (!p.nodes.length || !personUrl) { return; }
    var n = nodes.get(p.nodes[0]);
    if (n && n.kind === "Resident") { window.location = personUrl.replace("__ID__", encodeURIComponent(n.key)); }
  });
  if (hideBox) {
    hideBox.addEventListener("change", function () {
      edges.update(edges.get().map(function (e) { return {id: e.id, hidden: hiddenFor(e)}; }));
    });
  }
  window.residexNetwork.expand = expand;
})();
