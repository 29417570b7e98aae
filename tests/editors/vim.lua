-- vim.lua: run by tests/editors/vim.sh in headless Neovim with editors/vim
-- on the runtimepath.  For each file named in $CBR_VIM_FILES (one a
-- line), opens it as a user would, and writes the filetype and, for every
-- character, the syntax group Vim highlights it with, to $CBR_VIM_OUT:
--     FILE<TAB>filetype<TAB>cbr
--     FILE<TAB>LINE<TAB>COL<TAB>GROUP      (1-based; GROUP "-" for none)
local out = assert(io.open(os.getenv('CBR_VIM_OUT'), 'w'))
for file in io.lines(os.getenv('CBR_VIM_FILES')) do
  vim.cmd('edit! ' .. vim.fn.fnameescape(file))
  out:write(file .. '\tfiletype\t' .. vim.bo.filetype .. '\n')
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  for l, text in ipairs(lines) do
    for c = 1, #text do
      local name = vim.fn.synIDattr(vim.fn.synID(l, c, 1), 'name')
      out:write(string.format('%s\t%d\t%d\t%s\n', file, l, c, name ~= '' and name or '-'))
    end
  end
  vim.cmd('bwipeout!')
end
out:close()
vim.cmd('qa!')
