// extension.js: the cbr extension for VS Code.  Highlighting comes from the
// TextMate grammar (syntaxes/); everything else from cbr-lsp, the language
// server built with cbr, started over stdio for .cbr files.
'use strict';
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration('cbr');
  const command = config.get('server.path') || 'cbr-lsp';
  const server = { command, transport: TransportKind.stdio };
  client = new LanguageClient('cbr', 'cbr language server', { run: server, debug: server }, {
    documentSelector: [{ scheme: 'file', language: 'cbr' }, { scheme: 'untitled', language: 'cbr' }],
    // Files of a program change under the editor too (a table file, another .cbr).
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{cbr,csv}') },
  });
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
