" ftdetect/cbr.vim: .cbr files are cbr cashback rules.
autocmd BufRead,BufNewFile *.cbr setfiletype cbr
