// Values that do nothing unless used: a promise (an async store call not awaited runs on, and in an
// `if` it is always truthy) and a transaction body (a generator called without `yield*` runs no
// statement at all). Found with the type checker over the whole program: Biome's promise rules do
// not see through every type, and nothing else knows about bodies.
import { relative } from 'node:path';
import ts from 'typescript';

const TEST_RUNNER_CALLS = /^(test|describe|it|suite|before|after|beforeEach|afterEach)$/;

/** Each unused promise or body as `file:line:col: what: code`, for the program of `tsconfig`. */
export function unusedValues(tsconfig: string, root: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (parsed === undefined) throw new Error(`cannot read ${tsconfig}`);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const checker = program.getTypeChecker();
  const found: string[] = [];
  const kindOf = (node: ts.Node): 'a promise' | 'a transaction body' | null => {
    const type = checker.getTypeAtLocation(node);
    for (const part of type.isUnion() ? type.types : [type]) {
      const name = (part.aliasSymbol ?? part.getSymbol())?.getName();
      if (name === 'Promise' || name === 'PromiseLike') return 'a promise';
      if (name === 'Generator' || name === 'Body') return 'a transaction body';
    }
    return null;
  };
  const takesPromise = (type: ts.Type): boolean =>
    (type.isUnion() ? type.types : [type]).some((part) => {
      const name = (part.aliasSymbol ?? part.getSymbol())?.getName();
      return name === 'Promise' || name === 'PromiseLike' || (part.flags & ts.TypeFlags.TypeParameter) !== 0;
    });
  const report = (node: ts.Node, what: string): void => {
    const file = node.getSourceFile();
    const { line, character } = file.getLineAndCharacterOfPosition(node.getStart());
    found.push(`${relative(root, file.fileName)}:${line + 1}:${character + 1}: ${what}: ${node.getText().split('\n')[0]}`);
  };
  const tested = (node: ts.Expression, where: string): void => {
    const kind = kindOf(node);
    if (kind !== null) report(node, `${kind} tested in ${where}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node)) {
      const expression = node.expression;
      const callee = ts.isCallExpression(expression) ? expression.expression.getText() : '';
      const used =
        ts.isVoidExpression(expression) ||
        ts.isAwaitExpression(expression) ||
        ts.isYieldExpression(expression) ||
        (ts.isBinaryExpression(expression) && expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) ||
        TEST_RUNNER_CALLS.test(callee) ||
        /\.(then|catch)$/.test(callee);
      const kind = used ? null : kindOf(expression);
      if (kind !== null) report(expression, `${kind} left unused`);
    }
    if (ts.isIfStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node)) tested(node.expression, 'a condition');
    if (ts.isConditionalExpression(node)) tested(node.condition, 'a condition');
    if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) tested(node.operand, '!');
    if (
      ts.isBinaryExpression(node) &&
      [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(node.operatorToken.kind)
    ) {
      tested(node.left, node.operatorToken.getText());
    }
    if (ts.isTemplateSpan(node)) tested(node.expression, 'a template');
    // A promise handed to a parameter that does not take one (assert.equal(promise, …), a log line).
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      for (const argument of node.arguments ?? []) {
        if (kindOf(argument) !== 'a promise' || ts.isSpreadElement(argument)) continue;
        const wanted = checker.getContextualType(argument);
        if (wanted === undefined || !takesPromise(wanted)) report(argument, 'a promise passed as a value');
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const file of program.getSourceFiles()) {
    if (!file.isDeclarationFile && !file.fileName.includes('/node_modules/')) visit(file);
  }
  return found;
}
