// The results and compare webview panels: the API that the extension's activation wires to commands.

export { ResultsPanels, registerResultsSerializer } from './resultsPanels';
export { compareViewType, resultsViewType, type ResultsLog } from './panelContent';
