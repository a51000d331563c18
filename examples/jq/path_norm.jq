# The ℓ2 path norm as a flatcheck.metric/v1 program in jq, written from docs/protocol.md alone:
#   flatcheck check --exec 'jq --unbuffered -c -f examples/jq/path_norm.jq'
# jq reads one request per line and writes one answer per line. v_0 = 1, v_k = W_k∘² v_{k−1} + b_k∘²,
# value √(Σ v_K): invariant under all three families. It takes v1 networks (MLPs) only: for any other it
# answers an error, which is the family's verdict.
if .type == "hello" then
  {type: "hello", id: "jq-path-norm", claims: {invariant: ["layer-scale", "neuron-scale", "permutation"], unbounded: []}}
elif .type == "evaluate" and .network.format != "flatcheck.network/v1" then
  {type: "result", id: .id, error: "jq-path-norm takes flatcheck.network/v1 networks (MLPs) only, got \(.network.format)"}
elif .type == "evaluate" then
  . as $request
  | reduce $request.network.layers[] as $layer ([range($request.network.inputSize)] | map(1);
      . as $v
      | [range($layer.weights | length)]
      | map(. as $i
          | ([range($layer.weights[$i] | length)] | map($layer.weights[$i][.] * $layer.weights[$i][.] * $v[.]) | add)
            + (if $layer.bias then $layer.bias[$i] * $layer.bias[$i] else 0 end)))
  | {type: "result", id: $request.id, value: (add | sqrt)}
else
  empty
end
