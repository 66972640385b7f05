// Progressive enhancement of the import form: a chosen bundle file is put into the form
// (the file field has no name of its own), so the form posts it and the next page shows
// what would move before the citizen agrees. Without JavaScript the pasted bundle is posted.
const form = document.getElementById('import-form');
const file = document.getElementById('bundle-file');
const text = document.getElementById('bundle-text');
const status = document.getElementById('import-status');
if (form && file && text && status) {
  form.addEventListener('submit', async (event) => {
    if (!file.files || file.files.length === 0) return;
    event.preventDefault();
    status.textContent = '…';
    text.value = await file.files[0].text();
    form.submit();
  });
}
