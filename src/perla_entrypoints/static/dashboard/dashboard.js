// The activity page's charts: the series come from the page's JSON block (no inline script).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);

  document.querySelectorAll("td.bar span[data-width]").forEach(function (bar) {
    bar.style.width = bar.getAttribute("data-width") + "%";
  });

  function chart(id, type, datasets) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    new Chart(canvas, {
      type: type,
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  chart("chart-messages", "line", [
    { label: "Recibidos", data: data.messages_in, borderColor: "#1f77b4", backgroundColor: "#1f77b4" },
    { label: "Enviados", data: data.messages_out, borderColor: "#2ca02c", backgroundColor: "#2ca02c" },
  ]);
  chart("chart-handoffs", "bar", [
    { label: "Derivaciones", data: data.handoffs, backgroundColor: "#ff7f0e" },
  ]);
  chart("chart-orders", "bar", [
    { label: "Pedidos", data: data.orders, backgroundColor: "#9467bd" },
  ]);
  document.body.setAttribute("data-charts", "ready");
})();
