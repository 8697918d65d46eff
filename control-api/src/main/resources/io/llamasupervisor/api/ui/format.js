// Small pure helpers of the dashboard.

export function escapeHtml(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function formatBytes(n) {
  if (n == null || n < 0) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + " " + units[i];
}

export function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return s + " s";
  const m = Math.floor(s / 60);
  return m + " min " + String(s % 60).padStart(2, "0") + " s";
}

/** An inline SVG sparkline of the numbers in values (nulls are gaps), with its last value. */
export function sparkline(label, values, fmt, width = 140, height = 32) {
  const known = values.filter((v) => v != null);
  const max = Math.max(1e-9, ...known);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const segments = [];
  let current = [];
  values.forEach((v, i) => {
    if (v == null) {
      if (current.length) segments.push(current);
      current = [];
      return;
    }
    current.push(`${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`);
  });
  if (current.length) segments.push(current);
  const lines = segments.map((s) => `<polyline points="${s.join(" ")}"></polyline>`).join("");
  const last = known.length ? fmt(known[known.length - 1]) : "–";
  return `<div class="spark"><span class="label">${escapeHtml(label)}: ${escapeHtml(last)}</span><svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${lines}</svg></div>`;
}
