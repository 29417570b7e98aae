-- nvim.lua: Neovim's own LSP client against cbr-lsp, run headless by
-- tests/lsp/nvim.sh.  Opens the file, waits for the server's diagnostics,
-- asks for a hover on the first use of `big`, formats the buffer, and
-- writes what it saw to $CBR_NVIM_OUT, one fact a line.  Neovim 0.7 API:
-- vim.lsp.start_client and buf_attach_client (vim.lsp.start came later).
local out = assert(io.open(os.getenv('CBR_NVIM_OUT'), 'w'))
local function say(s)
  out:write(s .. '\n')
  out:flush()
end
local function flat(s)
  return (s:gsub('\n', ' | '))
end

local file = os.getenv('CBR_NVIM_FILE')
vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = 'cbr-lsp',
  cmd = {os.getenv('CBR_LSP')},
  root_dir = vim.fn.fnamemodify(file, ':p:h'),
})
if not id then
  say('error the client did not start')
  vim.cmd('qa!')
end
vim.lsp.buf_attach_client(buf, id)
local client = vim.lsp.get_client_by_id(id)

if not vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50) then
  say('error no diagnostics came')
end
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or '?'
  say(string.format('diagnostic %d:%d %s %s', d.lnum + 1, d.col + 1, code, flat(d.message)))
end

-- The first `big` after its declaration: line 2.
local line = vim.api.nvim_buf_get_lines(buf, 1, 2, false)[1]
local col = line:find('big', 1, true) - 1
local res = client.request_sync('textDocument/hover', {
  textDocument = {uri = vim.uri_from_bufnr(buf)},
  position = {line = 1, character = col},
}, 10000, buf)
if res and res.result then
  say('hover ' .. flat(res.result.contents.value))
else
  say('hover none ' .. vim.inspect(res))
end

vim.lsp.buf.formatting_sync(nil, 10000)
for _, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
  say('line ' .. l)
end
out:close()
vim.cmd('qa!')
