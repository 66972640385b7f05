// Progressive enhancement of the export link: download with a progress indicator.
// Without JavaScript the link downloads the same file directly.
const link = document.getElementById('export-link');
const status = document.getElementById('export-status');
const bar = document.getElementById('export-progress');
if (link && status && bar) {
  link.addEventListener('click', async (event) => {
    event.preventDefault();
    status.textContent = link.dataset.progress || '';
    bar.hidden = false;
    const res = await fetch(link.href, { credentials: 'same-origin' });
    const total = Number(res.headers.get('content-length')) || 0;
    const reader = res.body.getReader();
    const chunks = [];
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      if (total) bar.value = received / total;
      status.textContent = `${link.dataset.progress || ''} ${Math.round(received / 1024)} kB`;
    }
    const url = URL.createObjectURL(new Blob(chunks, { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'portti-export.json';
    document.body.append(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
    bar.hidden = true;
    status.textContent = `✔ ${Math.round(received / 1024)} kB`;
  });
}
