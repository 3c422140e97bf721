;; Vector kernels for the served network (see kernels.ts). V8 does not vectorise JS loops; these
;; use 128-bit SIMD on pairs of f64, which keeps float64 accuracy and runs several times faster.
;;
;; Every pointer and length is in BYTES and a multiple of 16: the caller pads each vector to an
;; even number of f64 (the padding holds zeros), so no loop needs a scalar remainder.
;;
;; Source of kernels.wasm: after editing, run `npm run build:wasm` (a test fails while the two differ).
(module
  (memory (export "memory") 1)

  ;; h[0..len) += a[0..len)
  (func (export "add") (param $h i32) (param $a i32) (param $len i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $h) (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $h) (local.get $end)))
        (v128.store (local.get $h) (f64x2.add (v128.load (local.get $h)) (v128.load (local.get $a))))
        (local.set $h (i32.add (local.get $h) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $next))))

  ;; h[0..len) += a[0..len) + x * b[0..len)   (x: the value's distance from its segment's anchor)
  (func (export "affine") (param $h i32) (param $a i32) (param $b i32) (param $x f64) (param $len i32)
    (local $end i32) (local $xv v128)
    (local.set $end (i32.add (local.get $h) (local.get $len)))
    (local.set $xv (f64x2.splat (local.get $x)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $h) (local.get $end)))
        (v128.store (local.get $h)
          (f64x2.add (v128.load (local.get $h))
            (f64x2.add (v128.load (local.get $a)) (f64x2.mul (local.get $xv) (v128.load (local.get $b))))))
        (local.set $h (i32.add (local.get $h) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $next))))

  ;; h[0..len) = max(h, 0)
  (func (export "relu") (param $h i32) (param $len i32)
    (local $end i32) (local $zero v128)
    (local.set $end (i32.add (local.get $h) (local.get $len)))
    (local.set $zero (f64x2.splat (f64.const 0)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $h) (local.get $end)))
        (v128.store (local.get $h) (f64x2.pmax (local.get $zero) (v128.load (local.get $h))))
        (local.set $h (i32.add (local.get $h) (i32.const 16)))
        (br $next))))

  ;; One dense layer without bias or activation: out += sum over inputs i of x[i] * kernel row i,
  ;; skipping zero inputs (ReLU outputs are mostly zero) and, within a row, the columns outside
  ;; [ranges[2i], ranges[2i+1]) (an ensemble folded into one network is block-diagonal).
  ;; x: n f64 (n = inputs); kernel: rows of `stride` bytes; ranges: i32 byte offsets into a row.
  (func (export "dense") (param $x i32) (param $n i32) (param $kernel i32) (param $stride i32) (param $ranges i32) (param $out i32)
    (local $i i32) (local $xi f64) (local $xv v128) (local $o i32) (local $hi i32) (local $row i32)
    (block $rows_done
      (loop $row_next
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $xi (f64.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
        (if (f64.ne (local.get $xi) (f64.const 0))
          (then
            (local.set $xv (f64x2.splat (local.get $xi)))
            (local.set $o (i32.load (i32.add (local.get $ranges) (i32.shl (local.get $i) (i32.const 3)))))
            (local.set $hi (i32.load offset=4 (i32.add (local.get $ranges) (i32.shl (local.get $i) (i32.const 3)))))
            (local.set $row (i32.add (local.get $kernel) (i32.mul (local.get $i) (local.get $stride))))
            (block $cols_done
              (loop $col_next
                (br_if $cols_done (i32.ge_u (local.get $o) (local.get $hi)))
                (v128.store (i32.add (local.get $out) (local.get $o))
                  (f64x2.add (v128.load (i32.add (local.get $out) (local.get $o)))
                    (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $row) (local.get $o))))))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $col_next)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row_next)))))
