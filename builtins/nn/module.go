// Package nn binds reverse-mode differentiation and training to Starlark as
// the module "nn". nn.grad and nn.value_and_grad differentiate a Starlark
// function of tensors, and optimizers update parameters from the gradients.
// Layer functions (losses, normalisation, activations, init) work on both
// plain and traced tensors.
package nn

import "pare/builtins/host"

const moduleDoc = `Differentiation and training.

nn.grad(fn, params) calls fn with traced versions of the parameter tensors;
every tensor operation inside (operators, methods, tensor.* and nn.*
functions) records onto a graph, and the gradient of the scalar result is
computed in reverse mode. Optimizers (sgd, adam, adamw) update the parameter
tensors in place from those gradients:

    params = {"w": nn.xavier_uniform([4, 1], seed=1), "b": tensor.zeros([1])}
    opt = nn.adam(params, lr=0.01)
    def loss(p):
        d = nn.linear(x, p["w"], p["b"]) - y
        return (d * d).mean()
    for step in range(100):
        value, grads = nn.value_and_grad(loss, params)
        opt.step(grads)

A tensor function that has no gradient (sort, topk, cumsum, ...)
rejects traced arguments rather than dropping the gradient silently; call
x.detach() or nn.stop_gradient(x) when no gradient should flow.`

func init() {
	var builtins []host.Builtin
	for _, g := range [][]host.Builtin{gradDocs, optimDocs, functionalDocs} {
		builtins = append(builtins, g...)
	}
	host.Register(&host.Module{Name: "nn", Doc: moduleDoc, Builtins: builtins})
}
