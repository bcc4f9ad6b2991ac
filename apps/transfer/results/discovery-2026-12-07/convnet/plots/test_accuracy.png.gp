set terminal pngcairo noenhanced size 1000,700
set output 'test_accuracy.png'
set title 'convnet: each optimizer at its best rate'
set xlabel 'epoch'
set ylabel 'test accuracy (%)'
set key outside right
set grid
set xtics 1
plot 'curve_00.dat' using 1:($4*100) with linespoints title 'powersign (lr 0.01)', \
  'curve_01.dat' using 1:($4*100) with linespoints title 't1_01 (lr 0.01)', \
  'curve_02.dat' using 1:($4*100) with linespoints title 'addsign (lr 0.01)', \
  'curve_03.dat' using 1:($4*100) with linespoints title 't1_16 (lr 0.01)', \
  'curve_04.dat' using 1:($4*100) with linespoints title 'adam (lr 0.001)', \
  'curve_05.dat' using 1:($4*100) with linespoints title 'momentum (lr 0.001)', \
  'curve_06.dat' using 1:($4*100) with linespoints title 'sgd (lr 0.001)', \
  'curve_07.dat' using 1:($4*100) with linespoints title 'rmsprop (lr 0.0001)', \
  'curve_08.dat' using 1:($4*100) with linespoints title 'd1_01 (lr 0.001)', \
  'curve_09.dat' using 1:($4*100) with linespoints title 'd1_02 (lr 0.01)', \
  'curve_10.dat' using 1:($4*100) with linespoints title 'd1_03 (lr 0.01)', \
  'curve_11.dat' using 1:($4*100) with linespoints title 'd1_04 (lr 0.01)', \
  'curve_12.dat' using 1:($4*100) with linespoints title 'd1_05 (lr 0.1)', \
  'curve_13.dat' using 1:($4*100) with linespoints title 'd1_06 (lr 0.1)', \
  'curve_14.dat' using 1:($4*100) with linespoints title 'bc_momentum (lr 0.03)'

unset output
