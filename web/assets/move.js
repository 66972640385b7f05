// Progressive enhancement of the import form: send the chosen bundle file as
// application/jose and show the move's progress. Without JavaScript the form posts the
// pasted bundle and the progress page refreshes itself.
const form = document.getElementById('import-form');
const file = document.getElementById('bundle-file');
const status = document.getElementById('import-status');
if (form && file && status) {
  form.addEventListener('submit', async (event) => {
    if (!file.files || file.files.length === 0) return;
    event.preventDefault();
    const bar = document.createElement('progress');
    status.after(bar);
    status.textContent = '…';
    const res = await fetch('/citizen/api/portability/imports', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/jose', 'x-csrf-token': form.dataset.csrf || '' },
      body: await file.files[0].text(),
    });
    const body = await res.json();
    if (!res.ok) {
      status.textContent = body.detail || body.title || String(res.status);
      bar.remove();
      return;
    }
    let move = body;
    for (;;) {
      bar.max = Math.max(move.total, 1);
      bar.value = move.done;
      status.textContent = `${move.done} / ${move.total}`;
      if (move.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 300));
      move = await (
        await fetch(`/citizen/api/portability/moves/${encodeURIComponent(move.move_id)}`, { credentials: 'same-origin' })
      ).json();
    }
    location.href = `/dashboard/move/${encodeURIComponent(move.move_id)}`;
  });
}
