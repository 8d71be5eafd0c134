/**
 * The helper that runs inside Python next to dns-lexicon, one process per round, speaking one
 * JSON object per line on stdin/stdout. Kept here as text so it ships inside the compiled package
 * (run with `python3 -c`; the script holds no secret, the options arrive on stdin).
 *
 * It drives lexicon's provider classes directly with the zone as `domain`: lexicon's Client would
 * derive the zone with tldextract (a network download of the public suffix list, and `test.` as
 * the zone of `example.test`). One provider object per zone, authenticated once and dropped at
 * the start of each read and apply (`fresh`): lexicon providers cache the zone between calls, and
 * a stale cache would turn a delete into a write of old records.
 *
 * Requests: {"id", "op": "hello"} | {"id", "op": "configure", "provider", "options"} |
 *   {"id", "op": "fresh"|"auth", "zone"} | {"id", "op": "list", "zone", "name", "type"} |
 *   {"id", "op": "create"|"delete", "zone", "name", "type", "content", "ttl"?}
 * Answers: {"id", "ok": true, ...} | {"id", "ok": false, "kind", "error"}; kinds: missing-lexicon,
 * missing-provider, auth, not-found, http, error.
 */
export const BRIDGE_SCRIPT = String.raw`
import importlib, json, logging, sys
logging.disable(logging.CRITICAL)  # lexicon logs requests with their headers at DEBUG

class Refusal(Exception):
    """A failure with a kind the adapter words for the operator."""

state = {"module": None, "name": None, "options": {}, "providers": {}}

def answer(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()

def load_provider_module(name):
    try:
        import lexicon  # noqa: F401
    except ImportError as error:
        raise Refusal("missing-lexicon", "dns-lexicon is not installed for " + sys.executable + " (" + str(error) + ")")
    last = None
    for package in ("lexicon.providers", "lexicon._private.providers"):
        try:
            return importlib.import_module(package + "." + name)
        except ModuleNotFoundError as error:
            last = error
            if error.name not in (package, package + "." + name, "lexicon._private"):
                raise Refusal("missing-provider", "lexicon provider " + name + " needs a Python module that is not installed: " + str(error.name))
    raise Refusal("missing-provider", "lexicon has no provider named " + name + " (" + str(last) + ")")

def provider_for(zone, ttl=None):
    """One provider object per zone: lexicon providers cache what they read between calls."""
    if zone not in state["providers"]:
        from lexicon.config import ConfigResolver
        config = {"provider_name": state["name"], "domain": zone, "ttl": 3600, state["name"]: dict(state["options"])}
        provider = state["module"].Provider(ConfigResolver().with_dict(config))
        provider.authenticate()
        state["providers"][zone] = (provider, config)
    provider, config = state["providers"][zone]
    if ttl is not None:
        # Most providers read the TTL from their configuration when they create a record,
        # some (localzone) keep what they read when constructed.
        config["ttl"] = ttl
        if isinstance(getattr(provider, "ttl", None), int):
            provider.ttl = ttl
    return provider

def classify(error):
    if isinstance(error, NameError) and getattr(error, "name", None):
        # lexicon imports a provider's optional dependency in a try/except: missing, it is a NameError at use.
        return "missing-provider", "lexicon provider " + str(state["name"]) + " needs a Python module that is not installed: " + error.name
    text = (type(error).__name__ + ": " + str(error)).splitlines()[0] if str(error) else type(error).__name__
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if type(error).__name__ == "AuthenticationError" or status in (401, 403):
        return "auth", text
    if status == 404:
        return "not-found", text
    if status is not None:
        return "http", text
    return "error", text

def handle(request):
    op = request["op"]
    if op == "hello":
        return {"python": sys.version.split()[0]}
    if op == "configure":
        module = load_provider_module(request["provider"])
        state.update(module=module, name=request["provider"], options=request["options"], providers={})
        import lexicon
        return {"lexicon": getattr(lexicon, "__version__", None)}
    zone = request["zone"]
    if op == "fresh":
        # A new round: forget what the provider object read before (lexicon caches zone data).
        state["providers"].pop(zone, None)
        return {}
    if op == "auth":
        provider_for(zone)
        return {}
    if op == "list":
        records = provider_for(zone).list_records(rtype=request["type"], name=request["name"])
        return {"records": [{"name": r.get("name"), "type": r.get("type"), "ttl": r.get("ttl"), "content": r.get("content")} for r in records]}
    if op == "create":
        return {"done": bool(provider_for(zone, request["ttl"]).create_record(request["type"], request["name"], request["content"]))}
    if op == "delete":
        return {"done": bool(provider_for(zone).delete_record(None, request["type"], request["name"], request["content"]))}
    raise ValueError("unknown op " + op)

for line in sys.stdin:
    request = json.loads(line)
    try:
        result = handle(request)
        result.update(id=request["id"], ok=True)
        answer(result)
    except Refusal as refusal:
        answer({"id": request["id"], "ok": False, "kind": refusal.args[0], "error": refusal.args[1]})
    except Exception as error:  # every failure is an answer: the round goes on
        kind, text = classify(error)
        answer({"id": request["id"], "ok": False, "kind": kind, "error": text})
`;
