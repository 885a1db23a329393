/**
 * routes/json_exact.ts: what JSON.parse reads otherwise than sent, found in the text and named
 * where it is; a body it reads as sent passes. (Over HTTP: json_content_type_test.ts.)
 */
import assert from "node:assert/strict";
import { jsonReadProblem } from "../routes/json_exact.ts";

Deno.test("a body JSON reads as sent has no problem, whatever its strings and numbers hold", () => {
  // deno-fmt-ignore
  const fine = [
    "{}", "[]", "[[],{}]", '{"a":{"x":1},"b":{"x":1}}', '{"a\\"b":1,"a\\\\":2,"a":"}\\"{"}',
    '{"s":"x\\\\","t":"\\\\ud800"}', '["\\ud83d\\ude00"]', ' { "a" : 1 , "b" : [ 2 , 3 ] } ',
    "5.0", "1e2", "1E+2", "0.10e1", "12300e-2", "-0", "-0.0", "0e999", "0.1", "1.15", "1e400",
    "9007199254740991", "-9007199254740991", "9007199254740992", "1.0000000000000002",
    '{"n":null,"t":true,"f":false}',
  ];
  for (const text of fine) assert.equal(jsonReadProblem(text), undefined, text);
});

Deno.test("a key twice, half a surrogate pair, a number read as another whole number: named where", () => {
  const cases: Array<[string, string]> = [
    ['{"amount":5,"amount":6}', "amount: given twice"],
    ['{"a\\"b":1,"a\\u0022b":2}', 'a"b: given twice'],
    ['[{"a":1},{"a":1,"a":2}]', "1.a: given twice"],
    ['{"":1,"":2}', '"": given twice'],
    ['{"q":{"s":"x","e":"y","s":"z"}}', "q.s: given twice"],
    ['{"a":"ok \\ud800"}', "a: \\ud800 at character 4 is half a surrogate pair"],
    ['{"x":["\\udc00"]}', "x.0: \\udc00 at character 1 is half a surrogate pair"],
    ['{"\\ud83d":1}', 'key "\\ud83d": \\ud83d at character 1 is half a surrogate pair'],
    ['{"a":[[1,2],[3,4.0000000000000001]]}', "a.1.1: 4.0000000000000001 would be read as 4:"],
    ["1e-400", "body: 1e-400 would be read as 0:"],
    ["9007199254740993", "body: 9007199254740993 would be read as 9007199254740992:"],
    ["[-1000000000000000001]", "0: -1000000000000000001 would be read as -1000000000000000000:"],
  ];
  for (const [text, problem] of cases) {
    const found = jsonReadProblem(text);
    assert.ok(found?.startsWith(problem), `${text}: ${found}`);
  }
  const long = jsonReadProblem(`{"a":0.${"0".repeat(100_000)}1}`)!;
  assert.ok(long.length < 200, "the message shows the start of what came, not all of it");
});
