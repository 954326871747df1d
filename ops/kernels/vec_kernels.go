package kernels

var (
	addKernels = binaryKernels{asm: addAVX2, asmStream: addStreamAVX2, twin: addGo}
	subKernels = binaryKernels{asm: subAVX2, asmStream: subStreamAVX2, twin: subGo}
	mulKernels = binaryKernels{asm: mulAVX2, asmStream: mulStreamAVX2, twin: mulGo}
	divKernels = binaryKernels{asm: divAVX2, asmStream: divStreamAVX2, twin: divGo}
)
