export class SourceError extends SyntaxError {}
export function prepareSource(input: string, _options?: { language?: 'js' | 'ts' }): { code: string; async: boolean; language: 'js' | 'ts' } {
  return { code: input, async: false, language: 'js' };
}
