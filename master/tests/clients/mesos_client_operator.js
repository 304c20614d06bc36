// The npm @dcos/mesos-client 1.0.0 against a master's v1 operator API.
//
// Usage: node mesos_client_operator.js <node_modules dir> <http://host:port/api/v1>
//
// Prints one JSON line per thing it sees: {"call": "GET_VERSION", "response": ...},
// the same for GET_STATE, then {"event": ...} for each SUBSCRIBE event. It
// stops (exit 0) after the first AGENT_ADDED event, exit 1 on any error.
"use strict";

const path = require("path");
const [modules, api] = process.argv.slice(2);

// The client is browser code: Node 20 has no XMLHttpRequest of its own.
// xhr2 sets response(Text) only once the response ends, where a browser
// grows it with every chunk; the event stream never ends, so it is grown
// here before each progress event, which the client reads records from.
const XHR2 = require(path.join(modules, "xhr2"));
const { StringDecoder } = require("string_decoder");
global.XMLHttpRequest = class StreamingXMLHttpRequest extends XHR2 {
  _onHttpResponseData(response, data) {
    if (this._response === response) {
      this._decoder = this._decoder || new StringDecoder("utf8");
      this.responseText = (this.responseText || "") + this._decoder.write(data);
      this.response = this.responseText;
    }
    return super._onHttpResponseData(response, data);
  }
};
const { request, stream } = require(path.join(modules, "@dcos/mesos-client"));

function print(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

function fail(what, error) {
  process.stderr.write(`${what}: ${error && (error.message || JSON.stringify(error))}\n`);
  process.exit(1);
}

function call(type) {
  return new Promise((resolve, reject) =>
    request({ type }, api).subscribe(
      (text) => resolve(JSON.parse(text)),
      (error) => reject(error)
    )
  );
}

async function main() {
  for (const type of ["GET_VERSION", "GET_STATE"]) {
    print({ call: type, response: await call(type).catch((e) => fail(type, e)) });
  }
  stream({ type: "SUBSCRIBE" }, api).subscribe(
    (record) => {
      const event = JSON.parse(record);
      print({ event });
      if (event.type === "AGENT_ADDED") {
        process.exit(0);
      }
    },
    (error) => fail("SUBSCRIBE", error),
    () => fail("SUBSCRIBE", { message: "the stream ended" })
  );
}

main();
